import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import type { Tf } from '../types.ts';
import type { ModelConfig } from './config.ts';
import { createTransformer, type Params } from './transformer.ts';

/**
 * A tensor as the decoder holds it: an engine `Tensor`, or on the raw wasm path a bare backend
 * buffer (data id, shape, dtype) that the tfjs engine does not track.
 */
export type RawTensor = { dataId: object; shape: number[]; dtype: string };

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

export type DecoderOptions = {
  /**
   * How incremental steps run. `'ops'`: public tfjs ops (correct on every backend). `'raw'`: the
   * backend's registered kernels called directly on raw buffers, skipping the engine's per-op
   * bookkeeping — verified on wasm only, so it is refused elsewhere. Default: `'raw'` on wasm
   * (measured 1.2–1.9× the tokens/s of `'ops'` there), `'ops'` on every other backend.
   */
  kernels?: 'raw' | 'ops';
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
 * the cached keys, instead of recomputing the whole window per token. The step is written once
 * against a small set of primitives ({@link Exec}) with two implementations: public tfjs ops
 * (every backend) and raw wasm kernels (see {@link DecoderOptions}).
 */
export function createDecoder(tf: Tf, config: ModelConfig, weights: Float32Array, options: DecoderOptions = {}): Decoder {
  const backendName = tf.getBackend();
  const mode = options.kernels ?? (backendName === 'wasm' ? 'raw' : 'ops');
  if (mode === 'raw' && backendName !== 'wasm') throw new Error(`raw decoder kernels are only verified on wasm, not on backend ${backendName}`);
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
  const ex: Exec = mode === 'raw' ? rawWasmExec(tf) : opsExec(tf);

  /** Runs `fn`, then frees every handle the primitives created in it except those `keep` returns. */
  function scope<T>(fn: () => T, keep: (r: T) => RawTensor[]): T {
    ex.open();
    let kept: RawTensor[] = [];
    try {
      const r = fn();
      kept = keep(r);
      return r;
    } finally {
      ex.close(kept);
    }
  }

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
    try {
      tf.tidy(() => {
        const flatIds = new Int32Array(rows * n);
        prompts.forEach((p, r) => flatIds.set(Array.from(p), r * n));
        const ids = tf.tensor1d(flatIds, 'int32') as Tensor1D;
        const out = model.logits(p, ids, rows, n, (_l, kk, vv) => {
          k.push(ex.own(tf.transpose(tf.reshape(kk, [rows, n, H, dh]), [0, 2, 1, 3])));
          vt.push(ex.own(tf.transpose(tf.reshape(vv, [rows, n, H, dh]), [0, 2, 3, 1])));
        });
        // Assigned, not returned: tf.tidy would walk a returned typed array element by element.
        logits = tf.reshape(tf.slice(tf.reshape(out, [rows, n, V]), [0, n - 1, 0], [rows, 1, V]), [rows * V]).dataSync() as Float32Array;
      });
    } catch (error) {
      ex.free([...k, ...vt]);
      throw error;
    }
    return { logits, cache: { k, vt, mask: ex.upload(new Float32Array(rows * n), [rows, 1, n]), length: n } };
  }

  const eps = ex.upload(Float32Array.of(1e-5), []);

  function join(caches: KvCache[]): KvCache {
    const L = Math.max(...caches.map((c) => c.length));
    const rowsOf = (c: KvCache) => c.mask.shape[0]!;
    const total = caches.reduce((a, c) => a + rowsOf(c), 0);
    const mask = new Float32Array(total * L);
    let row = 0;
    for (const c of caches) {
      // Existing masks (their left padding) are kept, shifted right by the new padding.
      const old = ex.read(c.mask);
      for (let r = 0; r < rowsOf(c); r++, row++) {
        mask.fill(-1e9, row * L, row * L + L - c.length);
        mask.set(old.subarray(r * c.length, (r + 1) * c.length), row * L + L - c.length);
      }
    }
    const out = scope(
      () => {
        const padded = (c: KvCache, x: RawTensor, padShape: number[], axis: number) =>
          c.length === L ? x : ex.concat([ex.upload(new Float32Array(padShape.reduce((a, b) => a * b, 1)), padShape), x], axis);
        const k: RawTensor[] = [];
        const vt: RawTensor[] = [];
        for (let l = 0; l < config.nLayers; l++) {
          k.push(ex.concat(caches.map((c) => padded(c, c.k[l]!, [rowsOf(c), H, L - c.length, dh], 2)), 0));
          vt.push(ex.concat(caches.map((c) => padded(c, c.vt[l]!, [rowsOf(c), H, dh, L - c.length], 3)), 0));
        }
        return { k, vt, mask: ex.upload(mask, [total, 1, L]), length: L };
      },
      (c) => [...c.k, ...c.vt, c.mask],
    );
    caches.forEach(disposeCache);
    return out;
  }

  function step(cache: KvCache, tokens: ArrayLike<number>, positions: ArrayLike<number>) {
    const Bs = tokens.length;
    const L = cache.length + 1;
    let logits: Float32Array = new Float32Array(0);
    const next = scope(
      () => {
        const dense = (x: RawTensor, wn: string, bn: string, relu = false) => ex.dense(x, w(wn), w(bn), relu);
        const normalize = (x: RawTensor) => ex.normalize(x, eps);
        // Row b of the two-hot matrix selects token tokens[b] and position V + positions[b] of the stacked table.
        const twoHot = new Float32Array(Bs * (V + C));
        for (let b = 0; b < Bs; b++) {
          twoHot[b * (V + C) + tokens[b]!] = 1;
          twoHot[b * (V + C) + V + Math.min(positions[b]!, C - 1)] = 1;
        }
        let x = ex.matMul(ex.upload(twoHot, [Bs, V + C]), w('emb'));
        const mask = ex.concat([cache.mask, ex.upload(new Float32Array(Bs), [Bs, 1, 1])], 2);
        const grown: KvCache = { k: [], vt: [], mask, length: L };
        const mask4 = ex.view(mask, [Bs, 1, 1, L]);
        for (let l = 0; l < config.nLayers; l++) {
          // Heads split straight from the fused projection: q, k, v as [Bs, H, 1, dh].
          const qkv = ex.view(dense(normalize(x), `h${l}.wqkv`, `h${l}.bqkv`), [Bs, 3 * H, 1, dh]);
          const [q, k, v] = ex.split(qkv, [H, H, H], 1) as [RawTensor, RawTensor, RawTensor];
          const K = ex.concat([cache.k[l]!, k], 2);
          const Vt = ex.concat([cache.vt[l]!, ex.view(v, [Bs, H, dh, 1])], 3);
          grown.k.push(K);
          grown.vt.push(Vt);
          // q is pre-scaled (folded into the query weights).
          x = ex.add(x, dense(ex.attend(q, K, Vt, mask4), `h${l}.wo`, `h${l}.bo`));
          x = ex.add(x, dense(dense(normalize(x), `h${l}.w1`, `h${l}.b1`, true), `h${l}.w2`, `h${l}.b2`));
        }
        logits = ex.read(dense(normalize(x), 'head.w', 'head.b'));
        return grown;
      },
      (c) => [...c.k, ...c.vt, c.mask],
    );
    disposeCache(cache);
    return { logits, cache: next };
  }

  function select(cache: KvCache, rows: number[]): KvCache {
    const out = scope(
      () => {
        const idx = ex.upload(Int32Array.from(rows), [rows.length], 'int32');
        return { k: cache.k.map((x) => ex.gather(x, idx)), vt: cache.vt.map((x) => ex.gather(x, idx)), mask: ex.gather(cache.mask, idx), length: cache.length };
      },
      (c) => [...c.k, ...c.vt, c.mask],
    );
    disposeCache(cache);
    return out;
  }

  function disposeCache(cache: KvCache) {
    ex.free([...cache.k, ...cache.vt, cache.mask]);
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
      ex.free([eps]);
      ex.dispose();
      tf.dispose(Object.values(p));
      tf.dispose(Object.values(fused).filter((t) => !Object.values(p).includes(t)));
      model.dispose();
    },
  };
}

/**
 * The primitives a decoding step is written in. Every handle a primitive returns while a scope is
 * open (`open` … `close`) is freed by `close` unless listed as kept; outside a scope, handles
 * belong to the caller (`free`).
 */
type Exec = {
  open(): void;
  close(kept: RawTensor[]): void;
  upload(values: Float32Array | Int32Array, shape: number[], dtype?: 'float32' | 'int32'): RawTensor;
  /** Takes ownership of an engine tensor created inside `tf.tidy` (it outlives the tidy). */
  own(t: Tensor): RawTensor;
  read(x: RawTensor): Float32Array;
  free(xs: RawTensor[]): void;
  /** The same values under another shape. */
  view(x: RawTensor, shape: number[]): RawTensor;
  /** act(x·W + b) for x [n, k], W [k, m]. */
  dense(x: RawTensor, W: RawTensor, b: RawTensor, relu: boolean): RawTensor;
  matMul(a: RawTensor, b: RawTensor): RawTensor;
  add(a: RawTensor, b: RawTensor): RawTensor;
  /** Rows of x [n, d] to zero mean and unit variance: (x − mean) / √(var + eps), eps a scalar. */
  normalize(x: RawTensor, eps: RawTensor): RawTensor;
  /**
   * One query per row against the cache: q [Bs, H, 1, dh] (pre-scaled), K [Bs, H, L, dh],
   * Vt [Bs, H, dh, L], additive mask [Bs, 1, 1, L] → softmax(q·Kᵀ + mask)·V as [Bs, H·dh].
   */
  attend(q: RawTensor, K: RawTensor, Vt: RawTensor, mask: RawTensor): RawTensor;
  concat(xs: RawTensor[], axis: number): RawTensor;
  split(x: RawTensor, sizes: number[], axis: number): RawTensor[];
  /** Rows `indices` of x along axis 0. */
  gather(x: RawTensor, indices: RawTensor): RawTensor;
  /** Frees the implementation's own constants. */
  dispose(): void;
};

/** Scope bookkeeping shared by both implementations; `release` frees what a scope did not keep. */
function scopes(release: (created: RawTensor[], kept: RawTensor[]) => void) {
  const stack: RawTensor[][] = [];
  return {
    track<T extends RawTensor>(x: T): T {
      stack[stack.length - 1]?.push(x);
      return x;
    },
    open() {
      stack.push([]);
    },
    close(kept: RawTensor[]) {
      const created = stack.pop();
      if (created) release(created, kept);
    },
  };
}

/** Public tfjs ops on engine tensors: correct on every backend (cpu, wasm, tensorflow). */
function opsExec(tf: Tf): Exec {
  // On tfjs-node, _FusedMatMul is an unfused product wrapped in Reshapes and Mean is an axes tensor,
  // a Cast and the Mean: a product and an add, and means as a product with a 1/d column, are fewer kernels.
  const native = tf.getBackend() === 'tensorflow';
  const meanColumns = new Map<number, Tensor2D>();
  const rowMean = (x: Tensor2D): Tensor => {
    if (!native) return tf.mean(x, 1, true);
    const d = x.shape[1];
    let col = meanColumns.get(d);
    if (!col) meanColumns.set(d, (col = tf.keep(tf.fill([d, 1], 1 / d)) as Tensor2D));
    return tf.matMul(x, col);
  };
  const dispose = (xs: RawTensor[]) => {
    for (const x of new Set(xs)) (x as Tensor).dispose();
  };
  const s = scopes((created, kept) => {
    const keep = new Set(kept);
    dispose(created.filter((x) => !keep.has(x)));
  });
  const t = (x: RawTensor) => x as Tensor;
  const out = (x: Tensor): RawTensor => s.track(x as unknown as RawTensor);
  return {
    open: s.open,
    close(kept) {
      // Kept tensors survive an enclosing tf.tidy of the caller too.
      for (const x of kept) tf.keep(t(x));
      s.close(kept);
    },
    upload: (values, shape, dtype = 'float32') => out(tf.tensor(values, shape, dtype)),
    own: (x) => tf.keep(x) as unknown as RawTensor,
    read: (x) => t(x).dataSync() as Float32Array,
    free: dispose,
    view: (x, shape) => out(tf.reshape(t(x), shape)),
    dense(x, W, b, relu) {
      if (!native) return out(tf.fused.matMul({ a: t(x) as Tensor2D, b: t(W) as Tensor2D, bias: t(b), activation: relu ? 'relu' : 'linear' }));
      const y = out(tf.add(out(tf.matMul(t(x) as Tensor2D, t(W) as Tensor2D)), t(b)));
      return relu ? out(tf.relu(t(y))) : y;
    },
    matMul: (a, b) => out(tf.matMul(t(a) as Tensor2D, t(b) as Tensor2D)),
    add: (a, b) => out(tf.add(t(a), t(b))),
    normalize(x, eps) {
      const xc = out(tf.sub(t(x), out(rowMean(t(x) as Tensor2D))));
      return out(tf.mul(xc, out(tf.rsqrt(out(tf.add(out(rowMean(out(tf.square(t(xc))) as Tensor2D)), t(eps)))))));
    },
    attend(q, K, Vt, mask) {
      // Batched products (native kernels on tensorflow and cpu): [Bs, H, 1, dh]·Kᵀ, then ·Vtᵀ.
      const [Bs, H, dh] = t(Vt).shape as [number, number, number, number];
      const p = out(tf.softmax(out(tf.add(out(tf.matMul(t(q), t(K), false, true)), t(mask)))));
      return out(tf.reshape(out(tf.matMul(p, t(Vt), false, true)), [Bs, H * dh]));
    },
    concat: (xs, axis) => out(tf.concat(xs.map(t), axis)),
    split: (x, sizes, axis) => tf.split(t(x), sizes, axis).map(out),
    gather: (x, indices) => out(tf.gather(t(x), t(indices), 0)),
    dispose() {
      for (const col of meanColumns.values()) col.dispose();
      meanColumns.clear();
    },
  };
}

/**
 * The wasm backend's registered kernels called directly on raw buffers. A step runs ~100 small
 * kernels; going through the tfjs engine costs more than the kernels themselves (≈15–70 µs of
 * bookkeeping each, measured), so this path skips it and frees its temporaries itself.
 */
function rawWasmExec(tf: Tf): Exec {
  const backend = tf.backend() as unknown as {
    write(values: Float32Array | Int32Array, shape: number[], dtype: string): object;
    readSync(dataId: object): Float32Array;
    disposeData(dataId: object, force?: boolean): boolean;
  };
  type KernelFn = (args: { inputs: unknown; backend: unknown; attrs: unknown }) => unknown;
  const kernels = new Map<string, KernelFn>();
  const kernel = (name: string) => {
    let k = kernels.get(name);
    if (!k) {
      const cfg = tf.getKernel(name, 'wasm');
      if (!cfg) throw new Error(`kernel ${name} is not registered for backend wasm`);
      k = cfg.kernelFunc as unknown as KernelFn;
      kernels.set(name, k);
    }
    return k;
  };
  const free = (xs: RawTensor[], keep: Set<object> = new Set()) => {
    const seen = new Set<object>(keep);
    for (const x of xs) {
      if (seen.has(x.dataId)) continue;
      seen.add(x.dataId);
      // Not forced: a kernel may hand back its input's buffer with one more reference (Concat of one input).
      backend.disposeData(x.dataId);
    }
  };
  // Views share their buffer and are not tracked; a kept handle protects its buffer.
  const s = scopes((created, kept) => free(created, new Set(kept.map((x) => x.dataId))));
  const handle = (x: RawTensor): RawTensor => ({ dataId: x.dataId, shape: x.shape, dtype: x.dtype });
  const view = (x: RawTensor, shape: number[]): RawTensor => ({ dataId: x.dataId, shape, dtype: x.dtype });
  const run = (name: string, inputs: unknown, attrs: object = {}) => s.track(kernel(name)({ inputs, backend, attrs }) as RawTensor);
  const upload = (values: Float32Array | Int32Array, shape: number[], dtype: 'float32' | 'int32' = 'float32'): RawTensor =>
    s.track({ dataId: backend.write(values, shape, dtype), shape, dtype });
  const product = (a: RawTensor, b: RawTensor, bias?: RawTensor, relu = false) => {
    const [n, k] = a.shape as [number, number];
    const m = b.shape[1]!;
    const a3 = view(a, [1, n, k]);
    const b3 = view(b, [1, k, m]);
    const o = bias
      ? run('_FusedMatMul', { a: a3, b: b3, bias: handle(bias) }, { transposeA: false, transposeB: false, activation: relu ? 'relu' : 'linear' })
      : run('BatchMatMul', { a: a3, b: b3 }, { transposeA: false, transposeB: false });
    return view(o, [n, m]);
  };
  return {
    open: s.open,
    close: s.close,
    upload,
    // Copied into a buffer the cache owns (the engine's tensors are freed by the caller's tidy).
    own: (t) => ({ dataId: backend.write(t.dataSync() as Float32Array, t.shape, 'float32'), shape: t.shape, dtype: 'float32' }),
    read: (x) => backend.readSync(x.dataId),
    free: (xs) => free(xs),
    view,
    dense: (x, W, b, relu) => product(x, handle(W), b, relu),
    matMul: (a, b) => product(a, handle(b)),
    add: (a, b) => run('Add', { a, b }),
    normalize(x, eps) {
      const xc = run('Sub', { a: x, b: run('Mean', { x }, { axis: [1], keepDims: true }) });
      const v = run('Mean', { x: run('Square', { x: xc }) }, { axis: [1], keepDims: true });
      return run('Multiply', { a: xc, b: run('Rsqrt', { x: run('Add', { a: v, b: eps }) }) });
    },
    attend(q, K, Vt, mask) {
      // Products as multiply + sum: wasm's batched and transposed products are a scalar loop.
      const [Bs, H, dh, L] = Vt.shape as [number, number, number, number];
      const s = run('Sum', { x: run('Multiply', { a: q, b: K }) }, { axis: [3], keepDims: false }); // [Bs, H, L]
      const p = run('Softmax', { logits: run('Add', { a: s, b: view(mask, [Bs, 1, L]) }) }, { dim: 2 }); // the kernel takes a non-negative axis
      return view(run('Sum', { x: run('Multiply', { a: view(p, [Bs, H, 1, L]), b: Vt }) }, { axis: [3], keepDims: false }), [Bs, H * dh]);
    },
    concat: (xs, axis) => run('Concat', xs.map(handle), { axis }),
    split: (x, sizes, axis) => (kernel('SplitV')({ inputs: { x }, backend, attrs: { numOrSizeSplits: sizes, axis } }) as RawTensor[]).map((o) => s.track(o)),
    gather: (x, indices) => run('GatherV2', { x: handle(x), indices }, { axis: 0, batchDims: 0 }),
    dispose() {},
  };
}
