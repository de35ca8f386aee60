import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { createFsCheckpointStore } from '../checkpoint/store.ts';
import { createEngine } from '../createEngine.ts';
import { faqDataset, tempDir, tinyBaseCheckpoint } from '../testing/fixtures.ts';

describe('serving memory is bounded', async () => {
  const { dir, cleanup } = await tempDir();
  const ckpt = tinyBaseCheckpoint();
  const cacheBytes = Math.round(ckpt.byteLength * 2.5);
  const engine = await createEngine({
    tf,
    store: createFsCheckpointStore({ dir }),
    baseCheckpoint: ckpt,
    training: { workers: 1 },
    serving: { workers: 1, maxModels: 2, cacheBytes },
  });
  afterAll(async () => {
    await engine.close();
    await cleanup();
  });

  it('cycling through more assistants than the caches hold keeps every cache within its bound and tensor memory flat', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `lru${i}`);
    for (const id of ids) await engine.finetune({ assistantId: id, datasets: [faqDataset], minSteps: 1, maxSteps: 1, batchSize: 2 });
    const cycle = async () => {
      for (const id of ids) {
        const reply = await engine.chat(id, [{ role: 'user', content: 'How long do refunds take?' }]);
        expect(reply.citations[0]?.location).toBe('row 1');
        const [w] = await engine.servingMemory();
        expect(w!.models).toBeLessThanOrEqual(2);
        const cache = engine.status().cache;
        expect(cache.models).toBeLessThanOrEqual(2);
        expect(cache.bytes).toBeLessThanOrEqual(cacheBytes);
      }
      return (await engine.servingMemory())[0]!.tensorBytes;
    };
    const first = await cycle();
    const second = await cycle();
    const third = await cycle();
    // Evicted models free their tensors: after the first pass the worker holds the same amount.
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(first).toBeGreaterThan(0);
  }, 120_000);
});
