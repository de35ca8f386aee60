import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import type { Tf } from '../types.ts';
import type { ModelConfig } from './config.ts';
import { createTransformer, type Params } from './transformer.ts';

/** Per-layer key/value caches for a batch of rows, left-padded to a common length. */
export type KvCache = {
  /** Per layer: keys [Bs, H, L, dh]. */
  k: Tensor[];
  /** Per layer: values transposed [Bs, H, dh, L] (so both attention products reduce the last axis). */
  vt: Tensor[];
  /** Additive mask [Bs, 1, L]: 0 for real positions, −1e9 for left padding. */
  mask: Tensor;
  /** Cached length L (including padding). */
  length: number;
};

export type Decoder = {
  readonly config: ModelConfig;
  /** Runs a prompt through the model; returns next-token logits and a batch-1 cache. */
  prefill(tokens: ArrayLike<number>): { logits: Float32Array; cache: KvCache };
  /** Stacks batch-1 caches into one batch (left padding to the longest). */
  join(caches: KvCache[]): KvCache;
  /** One incremental step for every row: returns logits [Bs × V] and the grown cache (the old one is freed). */
  step(cache: KvCache, tokens: ArrayLike<number>, positions: ArrayLike<number>): { logits: Float32Array; cache: KvCache };
  /** Keeps only the given rows of a cache (finished rows leave the batch); frees the old cache. */
  select(cache: KvCache, rows: number[]): KvCache;
  disposeCache(cache: KvCache): void;
  dispose(): void;
};

/**
 * KV-cached incremental decoding. Weights are split once into fixed tensors, so each product
 * hits XNNPACK's packed-weight cache; a step costs O(layers) small kernels plus attention over
 * the cached keys, instead of recomputing the whole window per token.
 */
export function createDecoder(tf: Tf, config: ModelConfig, weights: Float32Array): Decoder {
  const model = createTransformer(tf, config);
  const flat = tf.tensor1d(weights);
  const { dModel: d, nHeads: H, vocabSize: V, contextLength: C } = config;
  const dh = d / H;
  const scale = 1 / Math.sqrt(dh);
  // Serving-time weights: p keeps the training layout (prefill reuses the training forward), and
  // `fused` folds each LayerNorm's gain and bias into the matrix that follows it
  // (LN(x)·W + b = x̂·(diag(g)·W) + (β·W + b)), the attention scale into the query columns, and
  // stacks token and position tables so a step embeds with one product.
  const { p, fused } = tf.tidy(() => {
    const v = model.views(flat);
    const fold = (g: string, b: string, wn: string, bn: string, qScale = false) => {
      let W = tf.mul(tf.reshape(v[g]!, [d, 1]), v[wn]!);
      let bias = tf.add(tf.reshape(tf.matMul(tf.reshape(v[b]!, [1, d]), v[wn]! as Tensor2D), [-1]), v[bn]!);
      if (qScale) {
        const colScale = tf.concat([tf.fill([d], scale), tf.ones([2 * d])]);
        W = tf.mul(W, colScale);
        bias = tf.mul(bias, colScale);
      }
      return [W, bias] as const;
    };
    const f: Record<string, Tensor> = { emb: tf.concat([v['tok_emb']!, v['pos_emb']!], 0) };
    for (let l = 0; l < config.nLayers; l++) {
      [f[`h${l}.wqkv`], f[`h${l}.bqkv`]] = fold(`h${l}.ln1.g`, `h${l}.ln1.b`, `h${l}.attn.wqkv`, `h${l}.attn.bqkv`, true);
      [f[`h${l}.w1`], f[`h${l}.b1`]] = fold(`h${l}.ln2.g`, `h${l}.ln2.b`, `h${l}.mlp.w1`, `h${l}.mlp.b1`);
      f[`h${l}.wo`] = v[`h${l}.attn.wo`]!;
      f[`h${l}.bo`] = v[`h${l}.attn.bo`]!;
      f[`h${l}.w2`] = v[`h${l}.mlp.w2`]!;
      f[`h${l}.b2`] = v[`h${l}.mlp.b2`]!;
    }
    [f['head.w'], f['head.b']] = fold('lnf.g', 'lnf.b', 'head.w', 'head.b');
    for (const t of [...Object.values(v), ...Object.values(f)]) tf.keep(t);
    return { p: v as Params, fused: f };
  });
  flat.dispose();
  const w = (name: string) => fused[name] as Tensor;

  /** (x − mean) / std, without gain and bias (those live in the next product). */
  const normalize = (x: Tensor) => {
    const xc = tf.sub(x, tf.mean(x, -1, true));
    return tf.mul(xc, tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), 1e-5)));
  };
  const dense = (x: Tensor, wn: string, bn: string, relu = false) =>
    tf.fused.matMul({ a: x as Tensor2D, b: w(wn) as Tensor2D, bias: w(bn), activation: relu ? 'relu' : 'linear' });

  function prefill(tokens: ArrayLike<number>) {
    const n = tokens.length;
    const k: Tensor[] = [];
    const vt: Tensor[] = [];
    let logits: Float32Array = new Float32Array(0);
    tf.tidy(() => {
      const ids = tf.tensor1d(Array.from(tokens), 'int32') as Tensor1D;
      const out = model.logits(p, ids, 1, n, (_l, kk, vv) => {
        k.push(tf.keep(tf.transpose(tf.reshape(kk, [1, n, H, dh]), [0, 2, 1, 3])));
        vt.push(tf.keep(tf.transpose(tf.reshape(vv, [1, n, H, dh]), [0, 2, 3, 1])));
      });
      // Assigned, not returned: tf.tidy would walk a returned typed array element by element.
      logits = tf.slice(out, [n - 1, 0], [1, V]).dataSync() as Float32Array;
    });
    return { logits, cache: { k, vt, mask: tf.zeros([1, 1, n]), length: n } };
  }

  function join(caches: KvCache[]): KvCache {
    if (caches.length === 1) return caches[0]!;
    const L = Math.max(...caches.map((c) => c.length));
    const out = tf.tidy(() => {
      const padK = (t: Tensor, len: number) => (len === L ? t : tf.concat([tf.zeros([1, H, L - len, dh]), t], 2));
      const padV = (t: Tensor, len: number) => (len === L ? t : tf.concat([tf.zeros([1, H, dh, L - len]), t], 3));
      const k = config.nLayers ? Array.from({ length: config.nLayers }, (_, l) => tf.keep(tf.concat(caches.map((c) => padK(c.k[l]!, c.length)), 0))) : [];
      const vt = Array.from({ length: config.nLayers }, (_, l) => tf.keep(tf.concat(caches.map((c) => padV(c.vt[l]!, c.length)), 0)));
      const mask = tf.keep(
        tf.concat(
          caches.map((c) => (c.length === L ? c.mask : tf.concat([tf.fill([1, 1, L - c.length], -1e9), c.mask], 2))),
          0,
        ),
      );
      return { k, vt, mask, length: L };
    });
    caches.forEach(disposeCache);
    return out;
  }

  function step(cache: KvCache, tokens: ArrayLike<number>, positions: ArrayLike<number>) {
    const Bs = tokens.length;
    const next: KvCache = { k: [], vt: [], mask: cache.mask, length: cache.length + 1 };
    let logits: Float32Array = new Float32Array(0);
    tf.tidy(() => {
      // Row b of the two-hot matrix selects token tokens[b] and position V + positions[b] of the stacked table.
      const ids = new Int32Array(Bs * 2);
      for (let b = 0; b < Bs; b++) {
        ids[2 * b] = tokens[b]!;
        ids[2 * b + 1] = V + Math.min(positions[b]!, C - 1);
      }
      const twoHot = tf.sum(tf.reshape(model.ops.oneHotF(tf.tensor1d(ids, 'int32'), V + C), [Bs, 2, V + C]), 1);
      let x: Tensor = tf.matMul(twoHot as Tensor2D, w('emb') as Tensor2D);
      const mask = tf.concat([cache.mask, tf.zeros([Bs, 1, 1])], 2);
      next.mask = tf.keep(mask);
      for (let l = 0; l < config.nLayers; l++) {
        const qkv = dense(normalize(x), `h${l}.wqkv`, `h${l}.bqkv`);
        const [q, k, v] = tf.split(qkv, 3, 1) as [Tensor, Tensor, Tensor];
        const K = tf.keep(tf.concat([cache.k[l]!, tf.reshape(k, [Bs, H, 1, dh])], 2));
        const Vt = tf.keep(tf.concat([cache.vt[l]!, tf.reshape(v, [Bs, H, dh, 1])], 3));
        next.k.push(K);
        next.vt.push(Vt);
        const s = tf.sum(tf.mul(tf.reshape(q, [Bs, H, 1, dh]), K), -1); // [Bs, H, L]; q is pre-scaled
        const pr = tf.softmax(tf.add(s, mask));
        const o = tf.sum(tf.mul(tf.reshape(pr, [Bs, H, 1, next.length]), Vt), -1); // [Bs, H, dh]
        x = tf.add(x, dense(tf.reshape(o, [Bs, d]), `h${l}.wo`, `h${l}.bo`));
        x = tf.add(x, dense(dense(normalize(x), `h${l}.w1`, `h${l}.b1`, true), `h${l}.w2`, `h${l}.b2`));
      }
      logits = dense(normalize(x), 'head.w', 'head.b').dataSync() as Float32Array;
    });
    cache.k.forEach((t) => t.dispose());
    cache.vt.forEach((t) => t.dispose());
    cache.mask.dispose();
    return { logits, cache: next };
  }

  function select(cache: KvCache, rows: number[]): KvCache {
    const out = tf.tidy(() => {
      const idx = tf.tensor1d(rows, 'int32');
      return {
        k: cache.k.map((t) => tf.keep(tf.gather(t, idx))),
        vt: cache.vt.map((t) => tf.keep(tf.gather(t, idx))),
        mask: tf.keep(tf.gather(cache.mask, idx)),
        length: cache.length,
      };
    });
    disposeCache(cache);
    return out;
  }

  function disposeCache(cache: KvCache) {
    cache.k.forEach((t) => t.dispose());
    cache.vt.forEach((t) => t.dispose());
    cache.mask.dispose();
  }

  return {
    config,
    prefill,
    join,
    step,
    select,
    disposeCache,
    dispose() {
      tf.dispose(Object.values(p));
      tf.dispose(Object.values(fused).filter((t) => !Object.values(p).includes(t)));
      model.dispose();
    },
  };
}
