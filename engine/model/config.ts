import { createHash } from 'node:crypto';
import { InvalidRequestError } from '../errors.ts';

/** Shape of a decoder-only transformer language model. */
export type ModelConfig = {
  vocabSize: number;
  /** Maximum sequence length (positions). */
  contextLength: number;
  dModel: number;
  nHeads: number;
  nLayers: number;
  /** Hidden width of the MLP as a multiple of dModel. */
  mlpRatio: number;
};

/** Named configurations. `bench` is the 2-layer d=128 4-head context-64 model. */
export const modelPresets = {
  /** The reference model, used by the benchmark. */
  bench: { vocabSize: 256, contextLength: 64, dModel: 128, nHeads: 4, nLayers: 2, mlpRatio: 4 },
  /** The shipped base model (`npm run engine:pretrain`). */
  base: { vocabSize: 256, contextLength: 256, dModel: 128, nHeads: 4, nLayers: 2, mlpRatio: 4 },
  /** Tiny model for unit tests. */
  test: { vocabSize: 256, contextLength: 32, dModel: 32, nHeads: 2, nLayers: 1, mlpRatio: 2 },
} as const satisfies Record<string, ModelConfig>;

export type ParamSpec = { name: string; shape: number[]; size: number; offset: number; init: 'normal' | 'ones' | 'zeros'; std: number };

/** Validates a config; throws {@link InvalidRequestError} when it cannot build a model. */
export function validateConfig(config: ModelConfig): ModelConfig {
  const ints = ['vocabSize', 'contextLength', 'dModel', 'nHeads', 'nLayers', 'mlpRatio'] as const;
  for (const k of ints) {
    if (!Number.isInteger(config[k]) || config[k] <= 0) throw new InvalidRequestError(`Model config: ${k} must be a positive integer.`);
  }
  if (config.dModel % config.nHeads !== 0) throw new InvalidRequestError('Model config: dModel must be divisible by nHeads.');
  return config;
}

/** The parameter layout (names, shapes, offsets into one flat buffer) of a config. */
export function paramSpecs(config: ModelConfig): ParamSpec[] {
  const { vocabSize: V, contextLength: T, dModel: d, nLayers: L, mlpRatio } = validateConfig(config);
  const h = d * mlpRatio;
  const std = 0.02;
  const resid = 0.02 / Math.sqrt(2 * L);
  const list: Array<Omit<ParamSpec, 'size' | 'offset'>> = [
    { name: 'tok_emb', shape: [V, d], init: 'normal', std },
    { name: 'pos_emb', shape: [T, d], init: 'normal', std: 0.01 },
  ];
  for (let l = 0; l < L; l++) {
    list.push(
      { name: `h${l}.ln1.g`, shape: [d], init: 'ones', std: 0 },
      { name: `h${l}.ln1.b`, shape: [d], init: 'zeros', std: 0 },
      { name: `h${l}.attn.wqkv`, shape: [d, 3 * d], init: 'normal', std },
      { name: `h${l}.attn.bqkv`, shape: [3 * d], init: 'zeros', std: 0 },
      { name: `h${l}.attn.wo`, shape: [d, d], init: 'normal', std: resid },
      { name: `h${l}.attn.bo`, shape: [d], init: 'zeros', std: 0 },
      { name: `h${l}.ln2.g`, shape: [d], init: 'ones', std: 0 },
      { name: `h${l}.ln2.b`, shape: [d], init: 'zeros', std: 0 },
      { name: `h${l}.mlp.w1`, shape: [d, h], init: 'normal', std },
      { name: `h${l}.mlp.b1`, shape: [h], init: 'zeros', std: 0 },
      { name: `h${l}.mlp.w2`, shape: [h, d], init: 'normal', std: resid },
      { name: `h${l}.mlp.b2`, shape: [d], init: 'zeros', std: 0 },
    );
  }
  list.push(
    { name: 'lnf.g', shape: [d], init: 'ones', std: 0 },
    { name: 'lnf.b', shape: [d], init: 'zeros', std: 0 },
    { name: 'head.w', shape: [d, V], init: 'normal', std },
    { name: 'head.b', shape: [V], init: 'zeros', std: 0 },
  );
  let offset = 0;
  return list.map((p) => {
    const size = p.shape.reduce((a, b) => a * b, 1);
    const spec = { ...p, size, offset };
    offset += size;
    return spec;
  });
}

/** Total number of parameters. */
export function paramCount(config: ModelConfig): number {
  return paramSpecs(config).reduce((a, p) => a + p.size, 0);
}

/**
 * Architecture fingerprint: identical for any two models whose weights are interchangeable.
 * Stored in every checkpoint and checked on load.
 */
export function architectureFingerprint(config: ModelConfig, tokenizer = 'bytes-v1'): string {
  const canonical = JSON.stringify({
    arch: 'caravan-gpt-v1',
    tokenizer,
    config: [config.vocabSize, config.contextLength, config.dModel, config.nHeads, config.nLayers, config.mlpRatio],
    params: paramSpecs(config).map((p) => [p.name, p.shape]),
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** Deterministic initial weights (seeded), as one flat Float32Array laid out per {@link paramSpecs}. */
export function initialWeights(config: ModelConfig, seed = 1): Float32Array {
  const specs = paramSpecs(config);
  const total = specs.reduce((a, p) => a + p.size, 0);
  const out = new Float32Array(total);
  const rand = mulberry32(seed);
  for (const p of specs) {
    if (p.init === 'ones') out.fill(1, p.offset, p.offset + p.size);
    else if (p.init === 'normal') {
      for (let i = 0; i < p.size; i += 2) {
        // Box–Muller: two normals per pair of uniforms.
        const u = Math.max(rand(), 1e-12);
        const v = rand();
        const r = Math.sqrt(-2 * Math.log(u)) * p.std;
        out[p.offset + i] = r * Math.cos(2 * Math.PI * v);
        if (i + 1 < p.size) out[p.offset + i + 1] = r * Math.sin(2 * Math.PI * v);
      }
    }
  }
  return out;
}

/** Small fast seeded PRNG (uniform in [0, 1)). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
