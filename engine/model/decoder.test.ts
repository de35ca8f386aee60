import { describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/selectBackend.ts';
import { ContextOverflowError } from '../errors.ts';
import { generateBatch } from '../serve/generate.ts';
import { wasmTf } from '../testing/fixtures.ts';
import { createByteTokenizer } from '../tokenizer/byteTokenizer.ts';
import { initialWeights, modelPresets } from './config.ts';
import { createDecoder } from './decoder.ts';
import { createTransformer } from './transformer.ts';

describe('KV-cached decoder', async () => {
  const tf = await wasmTf();
  const config = modelPresets.test;
  const weights = initialWeights(config, 11);
  const tokenizer = createByteTokenizer();

  it('incremental steps give the same logits as a full forward pass', () => {
    const decoder = createDecoder(tf, config, weights);
    const model = createTransformer(tf, config);
    const seq = Array.from(tokenizer.encode('hello world'));
    const full = tf.tidy(() => model.logits(model.views(tf.tensor1d(weights)), tf.tensor1d(seq, 'int32'), 1, seq.length).arraySync()) as number[][];
    const first = decoder.prefill(seq.slice(0, 4));
    const logits = first.logits;
    let cache = first.cache;
    expect(Math.max(...Array.from(logits, (v, i) => Math.abs(v - full[3]![i]!)))).toBeLessThan(1e-4);
    for (let t = 4; t < seq.length; t++) {
      const r = decoder.step(cache, [seq[t]!], [t]);
      cache = r.cache;
      expect(Math.max(...Array.from(r.logits, (v, i) => Math.abs(v - full[t]![i]!)))).toBeLessThan(1e-4);
    }
    decoder.disposeCache(cache);
    decoder.dispose();
    model.dispose();
  });

  it('batched generation of different-length prompts equals one-by-one generation (greedy)', () => {
    const decoder = createDecoder(tf, config, weights);
    const prompts = ['Q: hi\nA:', 'Q: a longer question?\nA:', 'x', 'Q: yo\nA:'].map((p) => tokenizer.encode(p));
    const opts = { temperature: 0, maxTokens: 9, ignoreEnd: true };
    const together = generateBatch(decoder, tokenizer, prompts.map((prompt) => ({ prompt, options: opts })));
    const alone = prompts.map((prompt) => generateBatch(decoder, tokenizer, [{ prompt, options: opts }])[0]);
    expect(together).toEqual(alone);
    expect(together[0]!.tokens).toBe(9);
    expect(together[0]!.finishReason).toBe('length');
    // Steps run kernels outside the engine: count backend buffers, not just engine tensors.
    const before = [tf.memory().numTensors, tf.backend().numDataIds()];
    generateBatch(decoder, tokenizer, prompts.map((prompt) => ({ prompt, options: { maxTokens: 5, temperature: 0.8, topK: 5, seed: 3 } })));
    expect([tf.memory().numTensors, tf.backend().numDataIds()]).toEqual(before);
    expect(() => generateBatch(decoder, tokenizer, [{ prompt: new Uint8Array(config.contextLength + 1).fill(65), options: opts }])).toThrow(ContextOverflowError);
    decoder.dispose();
  });

  it('runs steps through public ops off wasm, and refuses raw kernels there', async () => {
    await selectBackend({ tf }, { candidates: ['cpu'] });
    try {
      expect(() => createDecoder(tf, config, weights, { kernels: 'raw' })).toThrow(/only verified on wasm/);
      const decoder = createDecoder(tf, config, weights);
      const r = generateBatch(decoder, tokenizer, [{ prompt: tokenizer.encode('Q: hi\nA:'), options: { temperature: 0, maxTokens: 6, ignoreEnd: true } }])[0]!;
      expect(r.tokens).toBe(6);
      decoder.dispose();
    } finally {
      await wasmTf();
    }
    const raw = createDecoder(tf, config, weights, { kernels: 'raw' });
    const ops = createDecoder(tf, config, weights, { kernels: 'ops' });
    const prompts = ['Q: hi\nA:', 'x'].map((prompt) => ({ prompt: tokenizer.encode(prompt), options: { temperature: 0, maxTokens: 8, ignoreEnd: true } }));
    expect(generateBatch(ops, tokenizer, prompts)).toEqual(generateBatch(raw, tokenizer, prompts));
    raw.dispose();
    ops.dispose();
  });

  it('stops at stop sequences and at the context limit', () => {
    const decoder = createDecoder(tf, config, weights);
    const prompt = tokenizer.encode('abc');
    const free = generateBatch(decoder, tokenizer, [{ prompt, options: { temperature: 0, maxTokens: 20, ignoreEnd: true } }])[0]!;
    const stopAt = free.text.slice(3, 5);
    const stopped = generateBatch(decoder, tokenizer, [{ prompt, options: { temperature: 0, maxTokens: 20, ignoreEnd: true, stop: [stopAt] } }])[0]!;
    expect(stopped.finishReason).toBe('stop');
    expect(stopped.text).toBe(free.text.slice(0, free.text.indexOf(stopAt)));
    const long = generateBatch(decoder, tokenizer, [{ prompt, options: { temperature: 0, maxTokens: 1000, ignoreEnd: true } }])[0]!;
    expect(long.finishReason).toBe('length');
    expect(prompt.length + long.tokens).toBeLessThanOrEqual(config.contextLength);
    decoder.dispose();
  });
});
