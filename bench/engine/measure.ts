import { encodeCheckpoint } from '../../engine/checkpoint/format.ts';
import { architectureFingerprint, initialWeights, type ModelConfig } from '../../engine/model/config.ts';
import { createDecoder } from '../../engine/model/decoder.ts';
import { createServingPool } from '../../engine/serve/createServingPool.ts';
import { generateBatch } from '../../engine/serve/generate.ts';
import { createByteTokenizer } from '../../engine/tokenizer/byteTokenizer.ts';
import { createParallelTrainer } from '../../engine/train/createParallelTrainer.ts';
import { createTrainer, type Batch } from '../../engine/train/createTrainer.ts';
import type { Tf } from '../../engine/types.ts';

export type ServeShape = { promptLen: number; genTokens: number };

/** Random token batches (the data does not change the cost). */
function batches(config: ModelConfig, B: number, n = 16): Batch[] {
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) % config.vocabSize;
  return Array.from({ length: n }, () => {
    const T = config.contextLength;
    const inputs = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    for (let i = 0; i < B * T; i++) {
      inputs[i] = rnd();
      targets[i] = rnd();
    }
    return { inputs, targets, B, T };
  });
}

/** Repeats `run` for at least `seconds` after a warm-up; returns units per second. */
async function rate(seconds: number, warmup: number, run: () => number | Promise<number>): Promise<number> {
  for (let i = 0; i < warmup; i++) await run();
  let units = 0;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000 || n < 2) {
    units += await run();
    n++;
  }
  return units / ((performance.now() - t0) / 1000);
}

export async function benchTrainLocal(tf: Tf, config: ModelConfig, B: number, seconds: number): Promise<number> {
  const trainer = createTrainer(tf, { config });
  const data = batches(config, B);
  let i = 0;
  const r = await rate(seconds, 3, () => {
    trainer.step(data[i++ % data.length]!);
    return B * config.contextLength;
  });
  trainer.dispose();
  return r;
}

export async function benchTrainParallel(config: ModelConfig, B: number, seconds: number, workers: number, candidates?: string[]): Promise<number> {
  const trainer = await createParallelTrainer({ config, workers, candidates });
  const data = batches(config, B);
  let i = 0;
  const r = await rate(seconds, 3, async () => {
    await trainer.step(data[i++ % data.length]!);
    return B * config.contextLength;
  });
  await trainer.dispose();
  return r;
}

const prompts = (config: ModelConfig, batch: number, len: number) =>
  Array.from({ length: batch }, (_, r) => Uint8Array.from({ length: len }, (_, i) => 1 + ((r * 31 + i * 7) % (config.vocabSize - 1))));

export async function benchServeLocal(tf: Tf, config: ModelConfig, batch: number, shape: ServeShape, seconds: number): Promise<number> {
  const decoder = createDecoder(tf, config, initialWeights(config, 1));
  const tokenizer = createByteTokenizer();
  const reqs = prompts(config, batch, shape.promptLen).map((prompt, i) => ({ prompt, options: { maxTokens: shape.genTokens, ignoreEnd: true, seed: i } }));
  const r = await rate(seconds, 1, () => generateBatch(decoder, tokenizer, reqs).reduce((a, x) => a + x.tokens, 0));
  decoder.dispose();
  return r;
}

export async function benchServePool(config: ModelConfig, batch: number, shape: ServeShape, seconds: number, workers: number, candidates?: string[]): Promise<number> {
  const bytes = encodeCheckpoint({
    fingerprint: architectureFingerprint(config),
    config,
    tokenizer: 'bytes-v1',
    cursor: { step: 0, totalSteps: 0, epoch: 0, seed: 1 },
    losses: [],
    info: {},
    createdAt: new Date().toISOString(),
    weights: initialWeights(config, 1),
    optimizerStep: 0,
  });
  const pool = createServingPool({ size: workers, maxBatch: Math.ceil(batch / workers), maxQueue: batch * 2, loadModel: async () => ({ bytes, passages: [], version: 0 }), candidates });
  await pool.ready();
  const ps = prompts(config, batch, shape.promptLen);
  const r = await rate(seconds, 1, async () => {
    const out = await Promise.all(ps.map((prompt, i) => pool.generate({ key: 'bench', version: 0, prompt, options: { maxTokens: shape.genTokens, ignoreEnd: true, seed: i }, query: null, topPassages: 0 })));
    return out.reduce((a, x) => a + x.result.tokens, 0);
  });
  await pool.close();
  return r;
}
