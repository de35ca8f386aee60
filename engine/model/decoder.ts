import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import type { Tf } from '../types.ts';
import type { ModelConfig } from './config.ts';
import { createTransformer, type Params } from './transformer.ts';

/** A tensor handle used without the tfjs engine: backend data id, shape and dtype. */
export type RawTensor = { dataId: object; shape: number[]; dtype: 'float32' | 'int32' };

/** Per-layer key/value caches for a batch of rows, left-padded to a common length. */
export type KvCache = {
  /** Per layer: keys [Bs, H, L, dh]. */
  k: RawTensor[];
  /** Per layer: values transposed [Bs, H, dh, L] (so both attention products reduce the last axis). */
  vt: RawTensor[];
  /** Additive mask [Bs, 1, L]: 0 for real positions, −1e9 for left padding. */
  mask: RawTensor;
  /** Cached length L (including padding). */
  length: number;
};

export type Decoder = {
  readonly config: ModelConfig;
  /** Runs a prompt through the model; returns next-token logits and a batch-1 cache. */
  prefill(tokens: ArrayLike<number>): { logits: Float32Array; cache: KvCache };
  /** Runs equal-length prompts through the model in one batch; logits are [rows × V]. */
  prefillBatch(prompts: Array<ArrayLike<number>>): { logits: Float32Array; cache: KvCache };
  /** Stacks caches into one batch (left padding to the longest); frees the inputs. */
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

  function prefill(tokens: ArrayLike<number>) {
    return prefillBatch([tokens]);
  }

  function prefillBatch(prompts: Array<ArrayLike<number>>) {
    const rows = prompts.length;
    const n = prompts[0]!.length;
    if (prompts.some((p) => p.length !== n)) throw new Error('prefillBatch needs prompts of equal length');
    const k: RawTensor[] = [];
    const vt: RawTensor[] = [];
    let logits: Float32Array = new Float32Array(0);
    tf.tidy(() => {
      const flatIds = new Int32Array(rows * n);
      prompts.forEach((p, r) => flatIds.set(Array.from(p), r * n));
      const ids = tf.tensor1d(flatIds, 'int32') as Tensor1D;
      // Copies into raw handles owned by the cache (the engine's tensors are freed by tidy).
      const own = (t: Tensor): RawTensor => ({ dataId: backend.write(t.dataSync() as Float32Array, t.shape, 'float32'), shape: t.shape, dtype: 'float32' });
      const out = model.logits(p, ids, rows, n, (_l, kk, vv) => {
        k.push(own(tf.transpose(tf.reshape(kk, [rows, n, H, dh]), [0, 2, 1, 3])));
        vt.push(own(tf.transpose(tf.reshape(vv, [rows, n, H, dh]), [0, 2, 3, 1])));
      });
      // Assigned, not returned: tf.tidy would walk a returned typed array element by element.
      logits = tf.reshape(tf.slice(tf.reshape(out, [rows, n, V]), [0, n - 1, 0], [rows, 1, V]), [rows * V]).dataSync() as Float32Array;
    });
    return { logits, cache: { k, vt, mask: upload(new Float32Array(rows * n), [rows, 1, n]), length: n } };
  }

  // The incremental step runs ~100 small kernels; going through the tfjs engine costs more than
  // the kernels themselves (≈15–70 µs of bookkeeping each, measured), so steps call the backend's
  // registered kernels directly on raw tensor handles and free their temporaries themselves.
  const backend = tf.backend() as unknown as {
    write(values: Float32Array | Int32Array, shape: number[], dtype: string): object;
    readSync(dataId: object): Float32Array;
    disposeData(dataId: object, force?: boolean): boolean;
  };
  const backendName = tf.getBackend();
  const kernels = new Map<string, (args: { inputs: unknown; backend: unknown; attrs: unknown }) => unknown>();
  const kernel = (name: string) => {
    let k = kernels.get(name);
    if (!k) {
      const cfg = tf.getKernel(name, backendName);
      if (!cfg) throw new Error(`kernel ${name} is not registered for backend ${backendName}`);
      k = cfg.kernelFunc as unknown as (args: { inputs: unknown; backend: unknown; attrs: unknown }) => unknown;
      kernels.set(name, k);
    }
    return k;
  };
  const upload = (values: Float32Array | Int32Array, shape: number[], dtype: 'float32' | 'int32' = 'float32'): RawTensor => ({ dataId: backend.write(values, shape, dtype), shape, dtype });
  const view = (x: RawTensor, shape: number[]): RawTensor => ({ dataId: x.dataId, shape, dtype: x.dtype });
  const free = (xs: RawTensor[]) => {
    const seen = new Set<object>();
    for (const x of xs) {
      if (seen.has(x.dataId)) continue;
      seen.add(x.dataId);
      backend.disposeData(x.dataId, true);
    }
  };
  const raw = (t: Tensor): RawTensor => ({ dataId: t.dataId, shape: t.shape, dtype: t.dtype as 'float32' });
  const eps = upload(Float32Array.of(1e-5), []);

  function join(caches: KvCache[]): KvCache {
    const L = Math.max(...caches.map((c) => c.length));
    const tmp: RawTensor[] = [];
    const concat = (xs: RawTensor[], axis: number) => kernel('Concat')({ inputs: xs, backend, attrs: { axis } }) as RawTensor;
    const rowsOf = (c: KvCache) => c.mask.shape[0]!;
    const padded = (c: KvCache, pick: (c: KvCache) => RawTensor, padShape: number[], axis: number) => {
      if (c.length === L) return pick(c);
      const z = upload(new Float32Array(padShape.reduce((a, b) => a * b, 1)), padShape);
      tmp.push(z);
      return concat([z, pick(c)], axis) as RawTensor & { pad?: true };
    };
    const k: RawTensor[] = [];
    const vt: RawTensor[] = [];
    for (let l = 0; l < config.nLayers; l++) {
      const ks = caches.map((c) => padded(c, (x) => x.k[l]!, [rowsOf(c), H, L - c.length, dh], 2));
      const vs = caches.map((c) => padded(c, (x) => x.vt[l]!, [rowsOf(c), H, dh, L - c.length], 3));
      k.push(concat(ks, 0));
      vt.push(concat(vs, 0));
      tmp.push(...ks.filter((x, i) => x !== caches[i]!.k[l]), ...vs.filter((x, i) => x !== caches[i]!.vt[l]));
    }
    const total = caches.reduce((a, c) => a + rowsOf(c), 0);
    const mask = new Float32Array(total * L);
    let row = 0;
    for (const c of caches) {
      // Existing masks (their left padding) are kept, shifted right by the new padding.
      const old = backend.readSync(c.mask.dataId);
      for (let r = 0; r < rowsOf(c); r++, row++) {
        mask.fill(-1e9, row * L, row * L + L - c.length);
        mask.set(old.subarray(r * c.length, (r + 1) * c.length), row * L + L - c.length);
      }
    }
    free(tmp);
    caches.forEach(disposeCache);
    return { k, vt, mask: upload(mask, [total, 1, L]), length: L };
  }

  function step(cache: KvCache, tokens: ArrayLike<number>, positions: ArrayLike<number>) {
    const Bs = tokens.length;
    const L = cache.length + 1;
    const tmp: RawTensor[] = [];
    const run = (name: string, inputs: unknown, attrs: object = {}) => {
      const o = kernel(name)({ inputs, backend, attrs }) as RawTensor;
      tmp.push(o);
      return o;
    };
    const dense = (x: RawTensor, wn: string, bn: string, relu = false) => {
      const W = raw(w(wn));
      const o = run('_FusedMatMul', { a: view(x, [1, Bs, x.shape[1]!]), b: view(W, [1, ...W.shape]), bias: raw(w(bn)) }, { transposeA: false, transposeB: false, activation: relu ? 'relu' : 'linear' });
      return view(o, [Bs, W.shape[1]!]);
    };
    /** (x − mean) / std, without gain and bias (those live in the next product). */
    const normalize = (x: RawTensor) => {
      const xc = run('Sub', { a: x, b: run('Mean', { x }, { axis: [1], keepDims: true }) });
      const v = run('Mean', { x: run('Square', { x: xc }) }, { axis: [1], keepDims: true });
      return run('Multiply', { a: xc, b: run('Rsqrt', { x: run('Add', { a: v, b: eps }) }) });
    };
    // Row b of the two-hot matrix selects token tokens[b] and position V + positions[b] of the stacked table.
    const twoHot = new Float32Array(Bs * (V + C));
    for (let b = 0; b < Bs; b++) {
      twoHot[b * (V + C) + tokens[b]!] = 1;
      twoHot[b * (V + C) + V + Math.min(positions[b]!, C - 1)] = 1;
    }
    const th = upload(twoHot, [1, Bs, V + C]);
    tmp.push(th);
    const emb = raw(w('emb'));
    let x = view(run('BatchMatMul', { a: th, b: view(emb, [1, ...emb.shape]) }, { transposeA: false, transposeB: false }), [Bs, d]);
    const zeros = upload(new Float32Array(Bs), [Bs, 1, 1]);
    tmp.push(zeros);
    const mask = kernel('Concat')({ inputs: [cache.mask, zeros], backend, attrs: { axis: 2 } }) as RawTensor;
    const next: KvCache = { k: [], vt: [], mask, length: L };
    for (let l = 0; l < config.nLayers; l++) {
      const qkv = dense(normalize(x), `h${l}.wqkv`, `h${l}.bqkv`);
      const parts = kernel('SplitV')({ inputs: { x: qkv }, backend, attrs: { numOrSizeSplits: [d, d, d], axis: 1 } }) as RawTensor[];
      tmp.push(...parts);
      const [q, k, v] = parts as [RawTensor, RawTensor, RawTensor];
      const K = kernel('Concat')({ inputs: [cache.k[l]!, view(k, [Bs, H, 1, dh])], backend, attrs: { axis: 2 } }) as RawTensor;
      const Vt = kernel('Concat')({ inputs: [cache.vt[l]!, view(v, [Bs, H, dh, 1])], backend, attrs: { axis: 3 } }) as RawTensor;
      next.k.push(K);
      next.vt.push(Vt);
      // q is pre-scaled (folded into the query weights).
      const s = run('Sum', { x: run('Multiply', { a: view(q, [Bs, H, 1, dh]), b: K }) }, { axis: [3], keepDims: false }); // [Bs, H, L]
      const p = run('Softmax', { logits: run('Add', { a: s, b: mask }) }, { dim: 2 }); // kernels take a non-negative axis
      const o = run('Sum', { x: run('Multiply', { a: view(p, [Bs, H, 1, L]), b: Vt }) }, { axis: [3], keepDims: false }); // [Bs, H, dh]
      x = run('Add', { a: x, b: dense(view(o, [Bs, d]), `h${l}.wo`, `h${l}.bo`) });
      x = run('Add', { a: x, b: dense(dense(normalize(x), `h${l}.w1`, `h${l}.b1`, true), `h${l}.w2`, `h${l}.b2`) });
    }
    const logits = backend.readSync(dense(normalize(x), 'head.w', 'head.b').dataId);
    free(tmp);
    disposeCache(cache);
    return { logits, cache: next };
  }

  function select(cache: KvCache, rows: number[]): KvCache {
    const idx = upload(Int32Array.from(rows), [rows.length], 'int32');
    const gather = (x: RawTensor) => kernel('GatherV2')({ inputs: { x, indices: idx }, backend, attrs: { axis: 0, batchDims: 0 } }) as RawTensor;
    const out = { k: cache.k.map(gather), vt: cache.vt.map(gather), mask: gather(cache.mask), length: cache.length };
    free([idx]);
    disposeCache(cache);
    return out;
  }

  function disposeCache(cache: KvCache) {
    free([...cache.k, ...cache.vt, cache.mask]);
  }

  return {
    config,
    prefill,
    prefillBatch,
    join,
    step,
    select,
    disposeCache,
    dispose() {
      free([eps]);
      tf.dispose(Object.values(p));
      tf.dispose(Object.values(fused).filter((t) => !Object.values(p).includes(t)));
      model.dispose();
    },
  };
}
