import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { createFsCheckpointStore } from './checkpoint/store.ts';
import { createEngine } from './createEngine.ts';
import { AbortedError, ContextOverflowError, EngineBusyError, InvalidRequestError } from './errors.ts';
import { faqDataset, tempDir, tinyBaseCheckpoint } from './testing/fixtures.ts';

describe('createEngine', async () => {
  const { dir, cleanup } = await tempDir();
  const engine = await createEngine({
    tf,
    store: createFsCheckpointStore({ dir }),
    baseCheckpoint: tinyBaseCheckpoint(),
    serving: { workers: 1, maxQueue: 6, maxBatch: 4 },
  });
  afterAll(async () => {
    await engine.close();
    await cleanup();
  });

  it('reports the backend and why others were skipped', () => {
    const s = engine.status();
    expect(s.backend.name).toBe('wasm');
    expect(s.backend.skipped.map((x) => x.candidate)).toContain('tensorflow-gpu');
    expect(s.serving).toBeNull();
  });

  it('fine-tunes an assistant, then answers grounded in its data with citations', async () => {
    const r = await engine.finetune({ assistantId: 'shop', datasets: [faqDataset], minSteps: 6, maxSteps: 6, batchSize: 4 });
    expect(r.losses).toHaveLength(6);
    const reply = await engine.chat('shop', [{ role: 'user', content: 'Can I cancel my order?' }], { maxTokens: 8, temperature: 0 });
    expect(reply.model).toBe('assistant');
    expect(reply.citations[0]).toMatchObject({ index: 1, datasetName: 'Refund FAQ', location: 'row 2' });
    expect(reply.text).toContain('Yes, orders can be cancelled until they ship. [1]');
    expect(reply.usage.completionTokens).toBeLessThanOrEqual(8);
    expect(engine.status().serving).toMatchObject({ workers: 1, ready: 1, backend: 'wasm' });
  }, 60_000);

  it('batches concurrent requests and refuses more than the queue holds with EngineBusyError', async () => {
    const ask = (content: string) => engine.chat('shop', [{ role: 'user', content }], { maxTokens: 12, temperature: 0.7, topK: 5, seed: 1 });
    const settled = await Promise.allSettled(Array.from({ length: 9 }, (_, i) => ask(`question number ${i}`)));
    const ok = settled.filter((s) => s.status === 'fulfilled').map((s) => (s as PromiseFulfilledResult<Awaited<ReturnType<typeof ask>>>).value);
    const busy = settled.filter((s) => s.status === 'rejected').map((s) => (s as PromiseRejectedResult).reason);
    expect(ok).toHaveLength(6);
    expect(busy).toHaveLength(3);
    expect(busy[0]).toBeInstanceOf(EngineBusyError);
    expect(busy[0].retryable).toBe(true);
    expect(busy[0].shortMessage).toBe('The engine is busy, try again in a few seconds.');
    expect(Math.max(...ok.map((r) => r.batchSize))).toBeGreaterThan(1);
  }, 60_000);

  it('withdraws a queued chat when its AbortSignal fires', async () => {
    const controller = new AbortController();
    const busy = Array.from({ length: 4 }, () => engine.chat('shop', [{ role: 'user', content: 'warranty?' }], { maxTokens: 20 }));
    const cancelled = engine.chat('shop', [{ role: 'user', content: 'cancel me' }], { maxTokens: 20, signal: controller.signal });
    controller.abort(new Error('user left'));
    await expect(cancelled).rejects.toBeInstanceOf(AbortedError);
    await Promise.all(busy);
  }, 60_000);

  it('uses the base model for an assistant that has not been fine-tuned', async () => {
    const reply = await engine.chat('fresh', [{ role: 'user', content: 'hello' }], { maxTokens: 4 });
    expect(reply.model).toBe('base');
    expect(reply.citations).toEqual([]);
  }, 60_000);

  it('another engine sharing the store picks up a fine-tune finished elsewhere', async () => {
    const other = await createEngine({ tf, store: createFsCheckpointStore({ dir }), baseCheckpoint: tinyBaseCheckpoint(), serving: { workers: 1 }, modelRefreshMs: 0 });
    try {
      expect((await other.chat('later', [{ role: 'user', content: 'refunds?' }], { maxTokens: 2 })).model).toBe('base');
      await engine.finetune({ assistantId: 'later', datasets: [faqDataset], minSteps: 2, maxSteps: 2, batchSize: 2 });
      const reply = await other.chat('later', [{ role: 'user', content: 'How long do refunds take?' }], { maxTokens: 2 });
      expect(reply.model).toBe('assistant');
      expect(reply.citations[0]?.location).toBe('row 1');
    } finally {
      await other.close();
    }
  }, 60_000);

  it('rejects bad chat input with typed errors', async () => {
    await expect(engine.chat('shop', [{ role: 'user', content: 'x'.repeat(500) }])).rejects.toBeInstanceOf(ContextOverflowError);
    await expect(engine.chat('shop', [])).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(engine.chat('shop', [{ role: 'user', content: 'hi' }], { maxTokens: 0 })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(engine.finetune({ assistantId: '../etc', datasets: [faqDataset] })).rejects.toBeInstanceOf(InvalidRequestError);
  });
});
