import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ArchitectureMismatchError, CorruptCheckpointError, InvalidRequestError } from '../errors.ts';
import { architectureFingerprint, initialWeights, modelPresets, paramCount } from '../model/config.ts';
import { tempDir, wasmTf } from '../testing/fixtures.ts';
import { checkpointIOHandler, decodeCheckpoint, encodeCheckpoint, saveCheckpoint, type Checkpoint } from './format.ts';
import { createFsCheckpointStore } from './store.ts';

const config = modelPresets.test;
const P = paramCount(config);
const ckpt = (): Checkpoint => ({
  fingerprint: architectureFingerprint(config),
  config,
  tokenizer: 'bytes-v1',
  cursor: { step: 12, totalSteps: 40, epoch: 2, seed: 5 },
  losses: [5.5, 4.1, 3.2],
  info: { assistantId: 'a1', status: 'running' },
  createdAt: '2024-01-01T00:00:00.000Z',
  weights: initialWeights(config, 9),
  m: new Float32Array(P).fill(0.5),
  v: new Float32Array(P).fill(0.25),
  optimizerStep: 12,
});

describe('checkpoint format', () => {
  it('round-trips weights, optimizer state, cursor and losses', () => {
    const back = decodeCheckpoint(encodeCheckpoint(ckpt()), { config });
    expect(back.cursor).toEqual({ step: 12, totalSteps: 40, epoch: 2, seed: 5 });
    expect(back.weights).toEqual(ckpt().weights);
    expect(back.m?.[3]).toBe(0.5);
    expect(back.v?.[P - 1]).toBe(0.25);
    expect(back.optimizerStep).toBe(12);
    expect(back.losses).toEqual([5.5, 4.1, 3.2]);
  });

  it('rejects flipped bits, truncation and foreign bytes with CorruptCheckpointError', () => {
    const bytes = encodeCheckpoint(ckpt());
    const flipped = bytes.slice();
    flipped[1000] = flipped[1000]! ^ 0x10;
    for (const bad of [flipped, bytes.slice(0, bytes.length - 100), new TextEncoder().encode('{"weights": [1,2,3]}'.repeat(4)), new Uint8Array(0)]) {
      const err = (() => {
        try {
          decodeCheckpoint(bad, { config, key: 'assistants/x/model' });
        } catch (e) {
          return e;
        }
      })() as CorruptCheckpointError;
      expect(err).toBeInstanceOf(CorruptCheckpointError);
      expect(err.retryable).toBe(false);
      expect(err.key).toBe('assistants/x/model');
    }
  });

  it('rejects a checkpoint of another architecture with ArchitectureMismatchError', () => {
    const other = { ...config, dModel: 64 };
    expect(() => decodeCheckpoint(encodeCheckpoint(ckpt()), { config: other })).toThrow(ArchitectureMismatchError);
  });

  it('saves and loads through the tfjs IOHandler', async () => {
    const tf = await wasmTf();
    let stored: Uint8Array | null = null;
    const io = { save: async (b: Uint8Array) => void (stored = b), load: async () => stored };
    const { createdAt: _c, ...rest } = ckpt();
    await saveCheckpoint(tf, io, rest);
    const artifacts = await checkpointIOHandler(tf, io).load!();
    const named = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
    expect(Array.from(named.weights!.dataSync().slice(0, 5))).toEqual(Array.from(ckpt().weights.slice(0, 5)));
    expect(named['adam.m']!.size).toBe(P);
    expect((artifacts.userDefinedMetadata as { cursor: { step: number } }).cursor.step).toBe(12);
  });
});

describe('createFsCheckpointStore', () => {
  it('saves atomically, loads, returns null when missing, refuses path tricks', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const store = createFsCheckpointStore({ dir });
      expect(await store.load('assistants/a/model')).toBeNull();
      await store.save('assistants/a/model', new Uint8Array([1, 2, 3]));
      await store.save('assistants/a/model', new Uint8Array([4, 5]));
      expect(await store.load('assistants/a/model')).toEqual(new Uint8Array([4, 5]));
      expect(await readdir(`${dir}/assistants/a`)).toEqual(['model.ckpt']);
      await expect(store.save('../escape', new Uint8Array(1))).rejects.toBeInstanceOf(InvalidRequestError);
      await expect(store.load('a//b')).rejects.toBeInstanceOf(InvalidRequestError);
    } finally {
      await cleanup();
    }
  });
});
