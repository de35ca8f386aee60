import { createHash } from 'node:crypto';
import type { io } from '@tensorflow/tfjs';
import { ArchitectureMismatchError, CorruptCheckpointError } from '../errors.ts';
import { architectureFingerprint, paramCount, type ModelConfig } from '../model/config.ts';
import type { Tf } from '../types.ts';

/**
 * Checkpoint file layout (little-endian):
 *   "CRVNCKPT" | u32 version | u32 headerBytes | header JSON | weight data | sha256(all before)
 * The header is tfjs ModelArtifacts metadata (weight specs + our training state), so the same
 * bytes go through a standard tfjs IOHandler (see {@link checkpointIOHandler}).
 */
const MAGIC = 'CRVNCKPT';
const VERSION = 1;

/** Training progress stored with the weights so a killed job resumes where it stopped. */
export type TrainingCursor = {
  /** Optimizer steps done. */
  step: number;
  totalSteps: number;
  epoch: number;
  /** Seed of the data order. */
  seed: number;
};

export type CheckpointMeta = {
  fingerprint: string;
  config: ModelConfig;
  tokenizer: 'bytes-v1';
  cursor: TrainingCursor;
  losses: number[];
  /** Free-form provenance (assistant id, dataset hash, status). */
  info: Record<string, string | number | boolean>;
  createdAt: string;
};

export type Checkpoint = CheckpointMeta & {
  weights: Float32Array;
  /** Adam moments; absent in weights-only checkpoints (e.g. the shipped base model). */
  m?: Float32Array | undefined;
  v?: Float32Array | undefined;
  optimizerStep: number;
};

type Header = { format: 'caravan-checkpoint'; meta: CheckpointMeta; optimizerStep: number; weightSpecs: io.WeightsManifestEntry[] };

/** Serialises a checkpoint (weights, optimizer moments, cursor, fingerprint) to bytes. */
export function encodeCheckpoint(ckpt: Checkpoint): Uint8Array {
  const arrays: Array<[string, Float32Array]> = [['weights', ckpt.weights]];
  if (ckpt.m && ckpt.v) arrays.push(['adam.m', ckpt.m], ['adam.v', ckpt.v]);
  const weightSpecs: io.WeightsManifestEntry[] = arrays.map(([name, a]) => ({ name, shape: [a.length], dtype: 'float32' }));
  const { fingerprint, config, tokenizer, cursor, losses, info, createdAt } = ckpt;
  const header: Header = { format: 'caravan-checkpoint', meta: { fingerprint, config, tokenizer, cursor, losses, info, createdAt }, optimizerStep: ckpt.optimizerStep, weightSpecs };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const dataBytes = arrays.reduce((a, [, x]) => a + x.byteLength, 0);
  const total = 8 + 4 + 4 + headerBytes.length + dataBytes + 32;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, VERSION, true);
  view.setUint32(12, headerBytes.length, true);
  out.set(headerBytes, 16);
  let o = 16 + headerBytes.length;
  for (const [, a] of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), o);
    o += a.byteLength;
  }
  out.set(createHash('sha256').update(out.subarray(0, o)).digest(), o);
  return out;
}

/**
 * Parses and verifies checkpoint bytes. Throws {@link CorruptCheckpointError} for anything that is
 * not an intact checkpoint, and {@link ArchitectureMismatchError} when `expect` is given and the
 * checkpoint was made for another architecture.
 */
export function decodeCheckpoint(bytes: Uint8Array, expect?: { config: ModelConfig; key?: string }): Checkpoint {
  const key = expect?.key;
  const corrupt = (why: string) => new CorruptCheckpointError(`Checkpoint${key ? ` "${key}"` : ''} is corrupt or not a checkpoint.`, { details: why, ...(key ? { key } : {}) });
  if (bytes.length < 16 + 32) throw corrupt(`only ${bytes.length} bytes`);
  if (new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw corrupt('missing CRVNCKPT magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== VERSION) throw corrupt(`unsupported format version ${version}`);
  const digest = createHash('sha256').update(bytes.subarray(0, bytes.length - 32)).digest();
  if (!Buffer.from(bytes.subarray(bytes.length - 32)).equals(digest)) throw corrupt('checksum mismatch (truncated or modified)');
  const headerLen = view.getUint32(12, true);
  if (16 + headerLen > bytes.length - 32) throw corrupt('header length out of range');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + headerLen))) as Header;
  } catch (cause) {
    throw new CorruptCheckpointError('Checkpoint header is unreadable.', { cause, ...(key ? { key } : {}) });
  }
  if (header?.format !== 'caravan-checkpoint' || !header.meta || !Array.isArray(header.weightSpecs)) throw corrupt('unexpected header');
  const dataStart = 16 + headerLen;
  const dataLen = bytes.length - 32 - dataStart;
  const copy = bytes.slice(dataStart, dataStart + dataLen); // aligned copy for Float32Array views
  const arrays = new Map<string, Float32Array>();
  let o = 0;
  for (const spec of header.weightSpecs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.dtype !== 'float32' || o + n * 4 > dataLen) throw corrupt(`weight "${spec.name}" out of range`);
    arrays.set(spec.name, new Float32Array(copy.buffer, o, n));
    o += n * 4;
  }
  const weights = arrays.get('weights');
  if (!weights) throw corrupt('no weights');
  const meta = header.meta;
  if (expect) {
    const expected = architectureFingerprint(expect.config);
    if (meta.fingerprint !== expected) throw new ArchitectureMismatchError({ expected, actual: meta.fingerprint, ...(key ? { key } : {}) });
  }
  if (weights.length !== paramCount(meta.config)) throw corrupt(`weights hold ${weights.length} values, the architecture needs ${paramCount(meta.config)}`);
  return { ...meta, weights, m: arrays.get('adam.m'), v: arrays.get('adam.v'), optimizerStep: header.optimizerStep ?? 0 };
}

/**
 * A tfjs IOHandler that reads and writes checkpoints through a byte store, so checkpoints can
 * also be saved with tfjs' own `io` machinery (`tf.io.withSaveHandler`-style).
 *
 * @example
 * const handler = checkpointIOHandler(tf, { save: (b) => store.save(key, b), load: () => store.load(key) }, meta)
 */
export function checkpointIOHandler(
  tf: Tf,
  bytesIO: { save(bytes: Uint8Array): Promise<void>; load(): Promise<Uint8Array | null> },
  meta?: Omit<CheckpointMeta, 'createdAt'> & { optimizerStep?: number },
): io.IOHandler {
  return {
    async save(artifacts) {
      if (!meta) throw new Error('checkpointIOHandler: meta is required to save');
      if (!artifacts.weightData || !artifacts.weightSpecs) throw new Error('checkpointIOHandler: no weights to save');
      const named = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
      const read = (n: string) => (named[n] ? (named[n].dataSync() as Float32Array) : undefined);
      const weights = read('weights');
      if (!weights) throw new Error('checkpointIOHandler: expected a "weights" tensor');
      const bytes = encodeCheckpoint({ ...meta, createdAt: new Date().toISOString(), weights, m: read('adam.m'), v: read('adam.v'), optimizerStep: meta.optimizerStep ?? 0 });
      tf.dispose(Object.values(named));
      await bytesIO.save(bytes);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.length } };
    },
    async load() {
      const bytes = await bytesIO.load();
      if (!bytes) throw new CorruptCheckpointError('Checkpoint not found.');
      const ckpt = decodeCheckpoint(bytes);
      const tensors: Record<string, import('@tensorflow/tfjs').Tensor> = { weights: tf.tensor1d(ckpt.weights) };
      if (ckpt.m && ckpt.v) Object.assign(tensors, { 'adam.m': tf.tensor1d(ckpt.m), 'adam.v': tf.tensor1d(ckpt.v) });
      const { data, specs } = await tf.io.encodeWeights(tensors);
      tf.dispose(Object.values(tensors));
      const { weights: _w, m: _m, v: _v, ...rest } = ckpt;
      return { weightData: data, weightSpecs: specs, userDefinedMetadata: rest as unknown as NonNullable<io.ModelArtifacts['userDefinedMetadata']> };
    },
  };
}

/** Saves a checkpoint through the tfjs IO handler (the path the engine uses for every save). */
export async function saveCheckpoint(tf: Tf, bytesIO: { save(bytes: Uint8Array): Promise<void> }, ckpt: Omit<Checkpoint, 'createdAt'>): Promise<void> {
  const { weights, m, v, optimizerStep, ...meta } = ckpt;
  const tensors: Record<string, import('@tensorflow/tfjs').Tensor> = { weights: tf.tensor1d(weights) };
  if (m && v) Object.assign(tensors, { 'adam.m': tf.tensor1d(m), 'adam.v': tf.tensor1d(v) });
  const { data, specs } = await tf.io.encodeWeights(tensors);
  tf.dispose(Object.values(tensors));
  const handler = checkpointIOHandler(tf, { save: bytesIO.save, load: async () => null }, { ...meta, optimizerStep });
  await handler.save!({ weightData: data, weightSpecs: specs });
}
