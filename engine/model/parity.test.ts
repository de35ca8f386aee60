import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend, type BackendCandidate } from '../backend/selectBackend.ts';
import { generateBatch } from '../serve/generate.ts';
import { createByteTokenizer, type ByteTokenizer } from '../tokenizer/byteTokenizer.ts';
import { createTrainer } from '../train/createTrainer.ts';
import { initialWeights, modelPresets, paramSpecs, type ModelConfig } from './config.ts';
import { createDecoder, type DecoderOptions } from './decoder.ts';
import { createTransformer } from './transformer.ts';

/**
 * The same model on every backend present in this process — cpu and wasm always, `tensorflow`
 * when @tensorflow/tfjs-node loads (`npm run engine:native`) — against the cpu backend (tfjs's
 * plain-JavaScript reference kernels): training gradients, forward logits, KV-cached decoding
 * logits, and greedy generations (identical tokens).
 */
const config: ModelConfig = { ...modelPresets.test, nLayers: 2 };
const tokenizer = createByteTokenizer();
/** Greedy outputs compared token for token: each token id becomes one character (UTF-8 decoding would merge invalid bytes). */
const tokenIds: ByteTokenizer = { ...tokenizer, decode: (tokens) => Array.from(tokens, (t) => String.fromCharCode(t)).join('') };

/** Random weights with the normal-initialised matrices scaled up, so greedy choices are not near-ties. */
function peakedWeights(seed: number): Float32Array {
  const w = initialWeights(config, seed);
  for (const s of paramSpecs(config)) {
    if (s.init === 'normal') for (let i = s.offset; i < s.offset + s.size; i++) w[i]! *= 12;
  }
  return w;
}
const weights = peakedWeights(21);

const B = 3;
const T = 16;
const corpus = tokenizer.encode('Q: How long do refunds take?\nA: Refunds arrive within 5 business days.\n');
const inputs = Int32Array.from({ length: B * T }, (_, i) => corpus[(i * 5) % (corpus.length - 1)]!);
const targets = Int32Array.from({ length: B * T }, (_, i) => corpus[((i * 5) % (corpus.length - 1)) + 1]!);
const prompts = ['Q: hi\nA:', 'Q: How long do refunds take?\nA:', 'x', 'Q: Can I cancel?\nA:'].map((p) => tokenizer.encode(p));

type Run = { loss: number; grad: Float32Array; logits: Float32Array; stepLogits: Float32Array[]; texts: string[]; leaked: number[] };

/** Everything compared, computed on the active backend. */
function compute(decoderOptions: DecoderOptions): Run {
  const trainer = createTrainer(tf, { config, state: { weights, step: 0 } });
  const { loss, grad } = trainer.gradient({ inputs, targets, B, T });
  trainer.dispose();

  const model = createTransformer(tf, config);
  let logits: Float32Array = new Float32Array(0);
  tf.tidy(() => {
    logits = model.logits(model.views(tf.tensor1d(weights)), tf.tensor1d(inputs.subarray(0, 2 * T), 'int32'), 2, T).dataSync() as Float32Array;
  });
  model.dispose();

  const before = [tf.memory().numTensors, tf.backend().numDataIds()];
  const decoder = createDecoder(tf, config, weights, decoderOptions);
  const seq = Array.from(corpus.subarray(0, 9));
  const first = decoder.prefill(seq.slice(0, 5));
  const stepLogits = [first.logits];
  let cache = first.cache;
  for (let t = 5; t < seq.length; t++) {
    const r = decoder.step(cache, [seq[t]!], [t]);
    stepLogits.push(r.logits);
    cache = r.cache;
  }
  decoder.disposeCache(cache);
  const texts = generateBatch(decoder, tokenIds, prompts.map((prompt) => ({ prompt, options: { temperature: 0, maxTokens: 10, ignoreEnd: true } }))).map((g) => g.text);
  decoder.dispose();
  const leaked = [tf.memory().numTensors - before[0]!, tf.backend().numDataIds() - before[1]!];
  return { loss, grad, logits, stepLogits, texts, leaked };
}

/**
 * The decoder's outputs recomputed without it: every position's logits from one full forward pass
 * (no cache), and greedy continuations by re-running the whole window per token.
 */
function uncached(): { stepLogits: Float32Array[]; texts: string[] } {
  const model = createTransformer(tf, config);
  const forward = (ids: number[]) => {
    let out: Float32Array = new Float32Array(0);
    tf.tidy(() => {
      out = model.logits(model.views(tf.tensor1d(weights)), tf.tensor1d(ids, 'int32'), 1, ids.length).dataSync() as Float32Array;
    });
    return out;
  };
  const V = config.vocabSize;
  const seq = Array.from(corpus.subarray(0, 9));
  const all = forward(seq);
  const stepLogits = [4, 5, 6, 7, 8].map((t) => all.slice(t * V, (t + 1) * V));
  const texts = prompts.map((prompt) => {
    const ids = Array.from(prompt);
    // generateBatch's limits: 10 new tokens, and the window never outgrows the context.
    for (let n = 0; n < 10 && ids.length < config.contextLength; n++) {
      const last = forward(ids).subarray((ids.length - 1) * V);
      ids.push(last.indexOf(Math.max(...last)));
    }
    return tokenIds.decode(ids.slice(prompt.length));
  });
  model.dispose();
  return { stepLogits, texts };
}

const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: Float32Array, b: Float32Array) => {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
};

const use = (candidate: BackendCandidate) => selectBackend({ tf }, { candidates: [candidate] });

describe('backend parity (reference: cpu)', async () => {
  await use('cpu');
  const reference = compute({});
  const plain = uncached();
  // The native backend is optional: present when @tensorflow/tfjs-node loads.
  const native = await use('tensorflow').then(
    () => null,
    (e: Error & { metaMessages?: string[] }) => e.metaMessages?.join('; ') ?? e.message,
  );
  await use('wasm');

  it('the reference is usable: finite loss, non-zero gradients, distinct generations, no leaks', () => {
    expect(Number.isFinite(reference.loss)).toBe(true);
    expect(maxAbs(reference.grad)).toBeGreaterThan(0);
    expect(reference.texts.every((t) => t.length > 0)).toBe(true);
    expect(new Set(reference.texts).size).toBeGreaterThan(1);
    expect(reference.leaked).toEqual([0, 0]);
  });

  it('the reference decoder equals the uncached model: logits of every step, greedy continuations', () => {
    plain.stepLogits.forEach((l, i) => expect(maxDiff(reference.stepLogits[i]!, l)).toBeLessThan(1e-4));
    expect(reference.texts).toEqual(plain.texts);
  });

  const variants: Array<{ label: string; candidate: BackendCandidate; options: DecoderOptions }> = [
    { label: 'wasm (raw step kernels)', candidate: 'wasm', options: { kernels: 'raw' } },
    { label: 'wasm (public ops)', candidate: 'wasm', options: { kernels: 'ops' } },
    ...(native === null ? [{ label: 'tensorflow (tfjs-node)', candidate: 'tensorflow' as const, options: {} }] : []),
  ];
  it.each(variants)('$label matches: gradients, logits, decoding logits, greedy generations, no leaks', async ({ candidate, options }) => {
    await use(candidate);
    const got = compute(options);
    await use('wasm');
    expect(Math.abs(got.loss - reference.loss)).toBeLessThan(1e-4);
    expect(maxDiff(got.grad, reference.grad) / maxAbs(reference.grad)).toBeLessThan(1e-4);
    expect(maxDiff(got.logits, reference.logits)).toBeLessThan(1e-3);
    got.stepLogits.forEach((l, i) => expect(maxDiff(l, reference.stepLogits[i]!)).toBeLessThan(1e-3));
    expect(got.texts).toEqual(reference.texts);
    expect(got.leaked).toEqual([0, 0]);
  });

  // Shown as skipped (with the reason) where no native backend is installed.
  if (native !== null) it.skip(`tensorflow (tfjs-node) is not in this process: ${native}`, () => {});
});
