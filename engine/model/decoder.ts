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
  const p: Params = tf.tidy(() => {
    const v = model.views(flat);
    for (const t of Object.values(v)) tf.keep(t);
    return v;
  });
  flat.dispose();
  const { dModel: d, nHeads: H, vocabSize: V, contextLength: C } = config;
  const dh = d / H;
  const scale = 1 / Math.sqrt(dh);
  const w = (name: string) => p[name] as Tensor;

  const layerNorm = (x: Tensor, g: Tensor, b: Tensor) => {
    const mean = tf.mean(x, -1, true);
    const xc = tf.sub(x, mean);
    return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), 1e-5))), g), b);
  };
  const dense = (x: Tensor, wn: string, bn: string, relu = false) =>
    tf.fused.matMul({ a: x as Tensor2D, b: w(wn) as Tensor2D, bias: w(bn), activation: relu ? 'relu' : 'linear' });

  function prefill(tokens: ArrayLike<number>) {
    const n = tokens.length;
    const k: Tensor[] = [];
    const vt: Tensor[] = [];
    const logits = tf.tidy(() => {
      const ids = tf.tensor1d(Array.from(tokens), 'int32') as Tensor1D;
      const out = model.logits(p, ids, 1, n, (_l, kk, vv) => {
        k.push(tf.keep(tf.transpose(tf.reshape(kk, [1, n, H, dh]), [0, 2, 1, 3])));
        vt.push(tf.keep(tf.transpose(tf.reshape(vv, [1, n, H, dh]), [0, 2, 3, 1])));
      });
      return tf.slice(out, [n - 1, 0], [1, V]).dataSync() as Float32Array;
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
    const logits = tf.tidy(() => {
      const tokOh = model.ops.oneHotF(tf.tensor1d(Array.from(tokens), 'int32'), V);
      const posOh = model.ops.oneHotF(tf.tensor1d(Array.from(positions, (x) => Math.min(x, C - 1)), 'int32'), C);
      let x: Tensor = tf.add(tf.matMul(tokOh, w('tok_emb') as Tensor2D), tf.matMul(posOh, w('pos_emb') as Tensor2D));
      const mask = tf.concat([cache.mask, tf.zeros([Bs, 1, 1])], 2);
      next.mask = tf.keep(mask);
      for (let l = 0; l < config.nLayers; l++) {
        const a = layerNorm(x, w(`h${l}.ln1.g`), w(`h${l}.ln1.b`));
        const qkv = dense(a, `h${l}.attn.wqkv`, `h${l}.attn.bqkv`);
        const [q, k, v] = tf.split(qkv, 3, 1) as [Tensor, Tensor, Tensor];
        const K = tf.keep(tf.concat([cache.k[l]!, tf.reshape(k, [Bs, H, 1, dh])], 2));
        const Vt = tf.keep(tf.concat([cache.vt[l]!, tf.reshape(v, [Bs, H, dh, 1])], 3));
        next.k.push(K);
        next.vt.push(Vt);
        const s = tf.sum(tf.mul(tf.reshape(tf.mul(q, scale), [Bs, H, 1, dh]), K), -1); // [Bs, H, L]
        const pr = tf.softmax(tf.add(s, mask));
        const o = tf.sum(tf.mul(tf.reshape(pr, [Bs, H, 1, next.length]), Vt), -1); // [Bs, H, dh]
        x = tf.add(x, dense(tf.reshape(o, [Bs, d]), `h${l}.attn.wo`, `h${l}.attn.bo`));
        const a2 = layerNorm(x, w(`h${l}.ln2.g`), w(`h${l}.ln2.b`));
        x = tf.add(x, dense(dense(a2, `h${l}.mlp.w1`, `h${l}.mlp.b1`, true), `h${l}.mlp.w2`, `h${l}.mlp.b2`));
      }
      return dense(layerNorm(x, w('lnf.g'), w('lnf.b')), 'head.w', 'head.b').dataSync() as Float32Array;
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
      model.dispose();
    },
  };
}
