import { describe, expect, it } from 'vitest';
import { createFsCheckpointStore } from '../checkpoint/store.ts';
import { tempDir, tinyBaseCheckpoint, wasmTf } from '../testing/fixtures.ts';
import { finetune } from './finetune.ts';
import { heldOutDocuments } from './heldOutLoss.ts';

describe('held-out loss', async () => {
  const tf = await wasmTf();

  it('holds out every 20th document (at most 64), none under 10', () => {
    expect([...heldOutDocuments(9)]).toEqual([]);
    expect([...heldOutDocuments(10)]).toEqual([9]);
    expect([...heldOutDocuments(30)]).toEqual([19]);
    expect([...heldOutDocuments(60)]).toEqual([19, 39, 59]);
    const big = heldOutDocuments(200_000);
    expect(big.size).toBe(64);
  });

  it('measures the base and the fine-tuned weights on rows kept out of training, and keeps the figures for a finished run', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const rows = Array.from({ length: 24 }, (_, i) => `Question number ${i}?,The answer to number ${i} is ${i * 7}.`);
      const datasets = [{ id: 'ds', name: 'Numbers', format: 'csv' as const, text: ['question,answer', ...rows].join('\n') }];
      const store = createFsCheckpointStore({ dir });
      const params = { assistantId: 'h1', datasets, store, minSteps: 20, maxSteps: 20, batchSize: 4, learningRate: 5e-3 };
      const r = await finetune({ tf, baseCheckpoint: tinyBaseCheckpoint() }, params);
      expect(r.heldOut).toMatchObject({ documents: 1 });
      expect(Number.isFinite(r.heldOut!.before) && Number.isFinite(r.heldOut!.after)).toBe(true);
      // Random tiny weights start near ln(256) ≈ 5.5 nats per byte; the same-format rows it trained on teach it the held-out one's shape.
      expect(r.heldOut!.before).toBeGreaterThan(5);
      expect(r.heldOut!.after).toBeLessThan(r.heldOut!.before);
      const again = await finetune({ tf, baseCheckpoint: tinyBaseCheckpoint() }, params);
      expect(again.resumed).toBe(true);
      expect(again.heldOut).toEqual(r.heldOut);
    } finally {
      await cleanup();
    }
  }, 60_000);
});
