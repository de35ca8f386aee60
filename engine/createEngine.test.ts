import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { createFsCheckpointStore } from './checkpoint/store.ts';
import { createEngine } from './createEngine.ts';
import { AbortedError, EngineBusyError, InvalidRequestError } from './errors.ts';
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

  it('reports the backend it selected and why earlier candidates were skipped', () => {
    const s = engine.status();
    expect(['tensorflow', 'wasm', 'cpu']).toContain(s.backend.name);
    expect(s.backend.skipped.every((x) => x.reason.length > 0)).toBe(true);
    expect(s.serving).toBeNull();
  });

  it('fine-tunes an assistant, then answers grounded in its data with citations', async () => {
    const r = await engine.finetune({ assistantId: 'shop', datasets: [faqDataset], minSteps: 6, maxSteps: 6, batchSize: 4 });
    expect(r.losses).toHaveLength(6);
    expect(r.heldOut).toBeNull(); // four rows: every one is trained on
    const reply = await engine.chat('shop', [{ role: 'user', content: 'Can I cancel my order?' }]);
    expect(reply.model).toBe('assistant');
    expect(reply.grounded).toBe(true);
    expect(reply.citations).toEqual([expect.objectContaining({ index: 1, datasetName: 'Refund FAQ', location: 'row 2', snippet: 'Yes, orders can be cancelled until they ship.' })]);
    expect(reply.text).toBe('Yes, orders can be cancelled until they ship. [1]\n\nSource:\n[1] Refund FAQ, row 2');
    expect(reply.usage.scoredTokens).toBeGreaterThan(0);
    expect(engine.status().serving).toMatchObject({ workers: 1, ready: 1 });
  }, 60_000);

  it('says it does not know, in the persona\'s words and citing nothing, when the data has no answer', async () => {
    const persona = 'You answer questions about our shop. If the FAQ does not cover it, say you do not know.';
    const reply = await engine.chat('shop', [{ role: 'system', content: persona }, { role: 'user', content: 'What is the capital of Australia?' }]);
    expect(reply).toMatchObject({ grounded: false, citations: [], text: 'I do not know.' });
    const plain = await engine.chat('shop', [{ role: 'user', content: 'Who painted the Mona Lisa?' }]);
    expect(plain).toMatchObject({ grounded: false, citations: [] });
    expect(plain.text).toMatch(/don't know/);
    // Retrieval alone (the evaluation's baseline) answers the same question from the same passage.
    const alone = await engine.chat('shop', [{ role: 'user', content: 'Can I cancel my order?' }], { useModel: false });
    expect(alone).toMatchObject({ grounded: true, confidence: { model: null }, usage: { scoredTokens: 0 } });
    expect(alone.citations[0]?.location).toBe('row 2');
  }, 60_000);

  it('refuses more concurrent requests than the queue holds with EngineBusyError', async () => {
    const ask = (content: string) => engine.chat('shop', [{ role: 'user', content }]);
    const settled = await Promise.allSettled(Array.from({ length: 9 }, (_, i) => ask(`question number ${i}`)));
    const ok = settled.filter((s) => s.status === 'fulfilled').map((s) => (s as PromiseFulfilledResult<Awaited<ReturnType<typeof ask>>>).value);
    const busy = settled.filter((s) => s.status === 'rejected').map((s) => (s as PromiseRejectedResult).reason);
    expect(ok).toHaveLength(6);
    expect(busy).toHaveLength(3);
    expect(busy[0]).toBeInstanceOf(EngineBusyError);
    expect(busy[0].retryable).toBe(true);
    expect(busy[0].shortMessage).toBe('The engine is busy, try again in a few seconds.');
  }, 60_000);

  it('withdraws a queued chat when its AbortSignal fires', async () => {
    const controller = new AbortController();
    const busy = Array.from({ length: 4 }, () => engine.chat('shop', [{ role: 'user', content: 'warranty?' }]));
    const cancelled = engine.chat('shop', [{ role: 'user', content: 'cancel me' }], { signal: controller.signal });
    controller.abort(new Error('user left'));
    await expect(cancelled).rejects.toBeInstanceOf(AbortedError);
    await Promise.all(busy);
  }, 60_000);

  it('uses the base model for an assistant that has not been fine-tuned', async () => {
    const reply = await engine.chat('fresh', [{ role: 'user', content: 'hello' }]);
    expect(reply).toMatchObject({ model: 'base', grounded: false, citations: [] });
  }, 60_000);

  it('another engine sharing the store picks up a fine-tune finished elsewhere', async () => {
    const other = await createEngine({ tf, store: createFsCheckpointStore({ dir }), baseCheckpoint: tinyBaseCheckpoint(), serving: { workers: 1 }, modelRefreshMs: 0 });
    try {
      expect((await other.chat('later', [{ role: 'user', content: 'refunds?' }])).model).toBe('base');
      await engine.finetune({ assistantId: 'later', datasets: [faqDataset], minSteps: 2, maxSteps: 2, batchSize: 2 });
      const reply = await other.chat('later', [{ role: 'user', content: 'How long do refunds take?' }]);
      expect(reply.model).toBe('assistant');
      expect(reply.citations[0]?.location).toBe('row 1');
    } finally {
      await other.close();
    }
  }, 60_000);

  it('rejects bad chat input with typed errors', async () => {
    await expect(engine.chat('shop', [{ role: 'user', content: 'x'.repeat(1001) }])).rejects.toThrow('A question is at most 1,000 characters; this one has 1,001.');
    await expect(engine.chat('shop', [])).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(engine.chat('shop', [{ role: 'user', content: 'hi' }], { candidates: 0 })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(engine.finetune({ assistantId: '../etc', datasets: [faqDataset] })).rejects.toBeInstanceOf(InvalidRequestError);
  });
});
