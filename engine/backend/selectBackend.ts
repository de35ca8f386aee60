import { BackendUnavailableError } from '../errors.ts';
import type { EngineLogger, Tf } from '../types.ts';
import { installFastWasmKernels } from './fastKernels.ts';

/** Backends in the order the engine prefers them. */
export const backendOrder = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendCandidate = (typeof backendOrder)[number];

export type SelectBackendParameters = {
  /** Candidates to try, in order. Defaults to {@link backendOrder}. */
  candidates?: readonly BackendCandidate[];
};

export type SelectBackendReturnType = {
  /** The tfjs backend now active (`tensorflow`, `wasm` or `cpu`). */
  name: string;
  /** Which candidate won (`tensorflow-gpu` and `tensorflow` both yield tfjs backend `tensorflow`). */
  candidate: BackendCandidate;
  /** Why each earlier candidate was skipped. */
  skipped: Array<{ candidate: BackendCandidate; reason: string }>;
  /** Backend capabilities worth showing in /status. */
  features: Record<string, boolean>;
};

export type SelectBackendDeps = {
  tf: Tf;
  logger?: EngineLogger;
  /** Dynamic import, injectable so tests can simulate missing or broken native packages. */
  importModule?: (specifier: string) => Promise<unknown>;
};

const nativePackages: Record<'tensorflow-gpu' | 'tensorflow', string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

// A variable specifier keeps TypeScript and bundlers from resolving optional packages.
const defaultImport = (specifier: string): Promise<unknown> => import(specifier);

/**
 * Activates the fastest tfjs backend that loads: tfjs-node-gpu → tfjs-node → wasm → cpu.
 * Native packages are optional; a missing or broken one is recorded in `skipped`, never thrown.
 *
 * @example
 * const { name, skipped } = await selectBackend({ tf })
 */
export async function selectBackend(
  deps: SelectBackendDeps,
  params: SelectBackendParameters = {},
): Promise<SelectBackendReturnType> {
  const { tf, logger } = deps;
  const importModule = deps.importModule ?? defaultImport;
  const skipped: SelectBackendReturnType['skipped'] = [];
  for (const candidate of params.candidates ?? backendOrder) {
    try {
      if (candidate === 'tensorflow-gpu' || candidate === 'tensorflow') {
        await importModule(nativePackages[candidate]);
        if (!(await trySet(tf, 'tensorflow'))) throw new Error('package loaded but backend "tensorflow" did not initialise');
        if (candidate === 'tensorflow-gpu' && !tf.env().getBool('IS_NODE')) throw new Error('not running in Node');
      } else if (candidate === 'wasm') {
        await importModule('@tensorflow/tfjs-backend-wasm');
        if (!(await trySet(tf, 'wasm'))) throw new Error('backend "wasm" did not initialise');
      } else if (!(await trySet(tf, 'cpu'))) {
        throw new Error('backend "cpu" did not initialise');
      }
      const features: Record<string, boolean> = {};
      if (candidate === 'wasm') {
        features.simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
        features.threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
        installFastWasmKernels(tf);
        features.fastSlice = true;
      }
      const result = { name: tf.getBackend(), candidate, skipped, features };
      logger?.info({ backend: result.name, candidate, skipped, features }, 'engine backend selected');
      return result;
    } catch (error) {
      skipped.push({ candidate, reason: describe(error) });
    }
  }
  throw new BackendUnavailableError('No TensorFlow.js backend could be initialised.', {
    metaMessages: skipped.map((s) => `${s.candidate}: ${s.reason}`),
  });
}

async function trySet(tf: Tf, name: string): Promise<boolean> {
  if (!tf.findBackendFactory(name) && !tf.engine().registryFactory[name]) return false;
  const ok = await tf.setBackend(name);
  if (ok) await tf.ready();
  return ok;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const first = error.message.split('\n')[0] ?? '';
    return code === 'ERR_MODULE_NOT_FOUND' ? 'package not installed' : first;
  }
  return String(error);
}
