import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError } from '../errors.ts';
import { backendOrder, selectBackend } from './selectBackend.ts';

const nativePackage = { 'tensorflow-gpu': '@tensorflow/tfjs-node-gpu', tensorflow: '@tensorflow/tfjs-node' } as const;

describe('selectBackend', () => {
  it('picks the first candidate that loads, whatever is installed, saying why earlier ones were skipped', async () => {
    const r = await selectBackend({ tf });
    const at = backendOrder.indexOf(r.candidate);
    expect(r.skipped.map((s) => s.candidate)).toEqual(backendOrder.slice(0, at));
    expect(r.name).toBe(tf.getBackend());
    expect(r.name).toBe(r.candidate === 'tensorflow-gpu' ? 'tensorflow' : r.candidate);
    for (const s of r.skipped) {
      expect(s.reason.length).toBeGreaterThan(0);
      // A native candidate is only skipped when its package really does not load.
      if (s.candidate === 'tensorflow-gpu' || s.candidate === 'tensorflow') {
        const specifier: string = nativePackage[s.candidate];
        await expect(import(specifier)).rejects.toThrow();
      }
    }
    if (r.candidate === 'wasm') expect(r.features.simd).toBe(true);
    await selectBackend({ tf }, { candidates: ['wasm'] });
  });

  it('skips a missing and a broken native package with their reasons, then takes wasm', async () => {
    const importModule = async (s: string) => {
      if (s === '@tensorflow/tfjs-node-gpu') throw Object.assign(new Error(`Cannot find package '${s}'`), { code: 'ERR_MODULE_NOT_FOUND' });
      if (s === '@tensorflow/tfjs-node') throw new Error('libtensorflow.so.2: cannot open shared object file\n    at Module._extensions');
      return import(s);
    };
    const r = await selectBackend({ tf, importModule });
    expect(r.name).toBe('wasm');
    expect(r.skipped).toEqual([
      { candidate: 'tensorflow-gpu', reason: 'package not installed' },
      { candidate: 'tensorflow', reason: 'libtensorflow.so.2: cannot open shared object file' },
    ]);
    expect(r.features.simd).toBe(true);
  });

  it('falls back to cpu when wasm fails to load', async () => {
    const importModule = async (s: string) => {
      throw new Error(`cannot load ${s}`);
    };
    const r = await selectBackend({ tf, importModule });
    expect(r.name).toBe('cpu');
    expect(r.skipped.find((s) => s.candidate === 'wasm')?.reason).toBe('cannot load @tensorflow/tfjs-backend-wasm');
    await selectBackend({ tf }, { candidates: ['wasm'] });
  });

  it('throws BackendUnavailableError when nothing loads', async () => {
    const importModule = async () => {
      throw new Error('broken');
    };
    const err = await selectBackend({ tf, importModule }, { candidates: ['tensorflow-gpu', 'tensorflow'] }).catch((e) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('tensorflow-gpu: broken');
  });
});
