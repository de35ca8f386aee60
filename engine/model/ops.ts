import type { Tensor, Tensor1D, Tensor2D, Tensor3D } from '@tensorflow/tfjs';
import type { Tf } from '../types.ts';

/**
 * Differentiable building blocks of the model, each with a hand-written gradient, in two
 * formulations of the same function (gradient parity is tested in ops.test.ts):
 *
 * - `wasm`: for tfjs-backend-wasm, whose only fast product is a plain 2-D `A·B` (XNNPACK);
 *   batched, `A·Bᵀ` and `Aᵀ·B` products fall back to a scalar loop that is 10–30× slower, and
 *   rank-5 transposes take a generic path ~100× slower than rank ≤ 4. So its products are plain
 *   2-D, with explicit transposes of the smaller operand, and attention is block-diagonal per sequence.
 * - `batched`: for backends whose batched and transposed products are native kernels (`tensorflow`,
 *   i.e. tfjs-node / tfjs-node-gpu, and `cpu`), where a step's cost is per-op overhead rather than
 *   FLOPs: attention over all sequences and heads is two batched products forward and four
 *   backward per layer, products take their transposes as flags, reductions are plain sums.
 */
export type Ops = ReturnType<typeof createOps>;

export type OpsFlavor = 'wasm' | 'batched';

/** The formulation that suits a tfjs backend (by name, e.g. `tf.getBackend()`). */
export const opsFlavorFor = (backend: string): OpsFlavor => (backend === 'wasm' ? 'wasm' : 'batched');

/**
 * Creates the ops for one model shape; constants (masks) are cached per instance and freed by
 * `dispose`. The formulation follows the active backend unless `flavor` is given.
 */
export function createOps(tf: Tf, shape: { dModel: number; nHeads: number }, options: { flavor?: OpsFlavor | undefined } = {}) {
  const flavor = options.flavor ?? opsFlavorFor(tf.getBackend());
  const wasm = flavor === 'wasm';
  const d = shape.dModel;
  const H = shape.nHeads;
  const dh = d / H;
  const scale = 1 / Math.sqrt(dh);
  const constants = new Map<string, Tensor>();

  function constant<T extends Tensor>(key: string, make: () => T): T {
    let t = constants.get(key) as T | undefined;
    if (!t) {
      t = tf.tidy(make);
      tf.keep(t);
      constants.set(key, t);
    }
    return t;
  }

  /** [d, H·T]: 1 where feature c belongs to head h of block h·T..h·T+T−1. */
  const headMask = (T: number) =>
    constant(`headMask:${T}`, () => {
      const m = new Float32Array(d * H * T);
      for (let c = 0; c < d; c++) {
        const h = Math.floor(c / dh);
        m.fill(1, c * H * T + h * T, c * H * T + h * T + T);
      }
      return tf.tensor2d(m, [d, H * T]);
    });
  const headMaskT = (T: number) => constant(`headMaskT:${T}`, () => tf.transpose(headMask(T)));
  /** [H, 1, d]: selects head h's features. */
  const headSelect = () =>
    constant('headSelect', () => {
      const m = new Float32Array(H * d);
      for (let h = 0; h < H; h++) m.fill(1, h * d + h * dh, h * d + h * dh + dh);
      return tf.tensor3d(m, [H, 1, d]);
    });
  /** [T, T] additive causal mask. */
  const causalBias2d = (T: number) => constant(`causal2d:${T}`, () => tf.reshape(causalBias(T), [T, T]) as Tensor2D);
  /** [T, 1, T] additive causal mask. */
  const causalBias = (T: number) =>
    constant(`causal3d:${T}`, () => {
      const m = new Float32Array(T * T);
      for (let i = 0; i < T; i++) m.fill(-1e9, i * T + i + 1, i * T + T);
      return tf.tensor3d(m, [T, 1, T]);
    });
  /**
   * 2-D transpose. The wasm Transpose kernel is ~7× faster on a rank-3 view than on the same
   * data as rank 2, so [N, K] is viewed as [n1, N/n1, K] and permuted to [K, n1, N/n1].
   */
  function transpose2d(x: Tensor2D): Tensor2D {
    const [n, k] = x.shape;
    let n1 = 16;
    while (n1 > 1 && n % n1 !== 0) n1 /= 2;
    if (n1 === 1 || n < 64) return tf.transpose(x);
    return tf.reshape(tf.transpose(tf.reshape(x, [n1, n / n1, k]), [2, 0, 1]), [k, n]);
  }
  /** One-hot rows as float32. (The wasm OneHot kernel ignores its dtype argument and writes int32 bits, so cast.) */
  const oneHotF = (ids: Tensor1D, depth: number) => tf.cast(tf.oneHot(ids, depth), 'float32') as Tensor2D;
  /** Repeats x `times` times along `axis` (Tile is slow on wasm; Concat copies runs). */
  const repeat = (x: Tensor, times: number, axis: number) => tf.concat(new Array<Tensor>(times).fill(x), axis);
  const ones = (n: number) => constant(`ones:${n}`, () => tf.ones([1, n]) as Tensor2D);
  /** Column sums of [n, k] as [k]: a ones-row product on wasm (its axis-0 Sum transposes first), a plain Sum elsewhere. */
  const sumRows = (g: Tensor2D): Tensor1D => (wasm ? tf.reshape(tf.matMul(ones(g.shape[0]), g), [g.shape[1]]) : tf.sum(g, 0));
  /** A cached scalar (a number operand is a new tensor on every call). */
  const scalar = (v: number) => constant(`scalar:${v}`, () => tf.scalar(v));
  /**
   * Row means of [n, d] as [n, 1]. On `batched` backends a Sum scaled on the [n, 1] result: tfjs-node's
   * Mean also casts the whole input to float32 first, and a product with a 1/d column runs as a slow
   * matrix-vector kernel there.
   */
  const rowMean = (x: Tensor): Tensor => (wasm ? tf.mean(x, -1, true) : tf.mul(tf.sum(x, -1, true), scalar(1 / d)));
  /** dy masked by relu'(y) for y = relu(…) ≥ 0: Step on wasm; Sign elsewhere (equal for y ≥ 0; tfjs-node's Step is five TF ops). */
  const reluMask = (dy: Tensor, y: Tensor) => tf.mul(dy, wasm ? tf.step(y) : tf.sign(y));

  /** y = act(x·W + b) with a gradient made of plain 2-D products. */
  function linear(x: Tensor2D, w: Tensor2D, b: Tensor1D, relu = false): Tensor2D {
    const f = tf.customGrad((xIn, wIn, bIn, save) => {
      const x2 = xIn as Tensor2D;
      const w2 = wIn as Tensor2D;
      // tf.fused.matMul reshapes both operands to rank 3 and back (three Reshapes, each two calls on
      // tfjs-node, whose fused kernel is itself MatMul + Add + activation): plain ops there.
      const y = wasm
        ? tf.fused.matMul({ a: x2, b: w2, bias: bIn as Tensor, activation: relu ? 'relu' : 'linear' })
        : ((t: Tensor) => (relu ? tf.relu(t) : t))(tf.add(tf.matMul(x2, w2), bIn as Tensor));
      (save as (t: Tensor[]) => void)([x2, w2, y]);
      return {
        value: y,
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const [xs, ws, ys] = saved as [Tensor2D, Tensor2D, Tensor2D];
          const g = (relu ? reluMask(dy, ys) : dy) as Tensor2D;
          if (!wasm) return [tf.matMul(g, ws, false, true), tf.matMul(xs, g, true, false), tf.sum(g, 0)];
          const [n, inDim] = xs.shape;
          const outDim = ws.shape[1];
          const dx = tf.matMul(g, transpose2d(ws));
          if (inDim <= outDim) {
            // g is packed once as the right operand and reused (XNNPACK caches it per tensor).
            const dw = tf.matMul(transpose2d(xs), g);
            const db = tf.reshape(tf.matMul(ones(n), g), [outDim]);
            return [dx, dw, db];
          }
          const gT = transpose2d(g);
          const dw = transpose2d(tf.matMul(gT, xs));
          const db = tf.sum(gT, 1);
          return [dx, dw, db];
        },
      };
    });
    return f(x, w, b) as Tensor2D;
  }

  /** Row-wise layer normalisation with a hand-written backward (half the ops of autodiff). */
  function layerNorm(x: Tensor2D, g: Tensor1D, b: Tensor1D, eps = 1e-5): Tensor2D {
    const f = tf.customGrad((xIn, gIn, bIn, save) => {
      const xc = tf.sub(xIn as Tensor, rowMean(xIn as Tensor));
      const rstd = tf.rsqrt(tf.add(rowMean(tf.square(xc)), scalar(eps)));
      const xhat = tf.mul(xc, rstd);
      const y = tf.add(tf.mul(xhat, gIn as Tensor), bIn as Tensor);
      (save as (t: Tensor[]) => void)([xhat, rstd, gIn as Tensor]);
      return {
        value: y as Tensor2D,
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const [xh, rs, gs] = saved as [Tensor2D, Tensor2D, Tensor1D];
          const dg = sumRows(tf.mul(dy, xh) as Tensor2D);
          const db = sumRows(dy as Tensor2D);
          const dxh = tf.mul(dy, gs);
          const inner = tf.sub(tf.sub(dxh, rowMean(dxh)), tf.mul(xh, rowMean(tf.mul(dxh, xh))));
          return [tf.mul(inner, rs), dg, db];
        },
      };
    });
    return f(x, g, b) as Tensor2D;
  }

  /** Token embedding lookup whose gradient is a one-hot product (no scatter kernel needed). */
  function embedding(ids: Tensor1D, table: Tensor2D): Tensor2D {
    const V = table.shape[0];
    // A one-hot product is faster than Gather on wasm and its gradient is one more product.
    const f = tf.customGrad((tIn, idsIn, save) => {
      const oneHot = oneHotF(idsIn as Tensor1D, V);
      (save as (t: Tensor[]) => void)([oneHot, idsIn as Tensor]);
      return {
        value: tf.matMul(oneHot, tIn as Tensor2D),
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const [oh, ids2] = saved as [Tensor2D, Tensor1D];
          const dTable = wasm ? tf.matMul(transpose2d(oh), dy as Tensor2D) : tf.matMul(oh, dy as Tensor2D, true, false);
          return [dTable, tf.zerosLike(ids2)];
        },
      };
    });
    return f(table, ids) as Tensor2D;
  }

  /**
   * Causal multi-head self-attention over `B` sequences of length `T`, from the fused projection
   * `qkv` [B·T, 3d] (q | k | v along features) to the heads' outputs concatenated, [B·T, d].
   * Its gradient is returned for `qkv` in one piece, so the projection's backward is one product.
   */
  function attention(qkv: Tensor2D, B: number, T: number): Tensor2D {
    return wasm ? attentionBlockDiagonal(qkv, B, T) : attentionBatched(qkv, B, T);
  }

  /**
   * `batched` attention: all sequences and heads in one batched product per matrix product —
   * q·kᵀ and P·v forward; dO·vᵀ, Pᵀ·dO, dS·k and dSᵀ·q backward (transposes as product flags).
   * qkv is laid out as [B, H, T, dh] per part with one rank-5 transpose, and back with one.
   */
  function attentionBatched(qkv: Tensor2D, B: number, T: number): Tensor2D {
    const N = B * T;
    const bias = causalBias2d(T);
    const f = tf.customGrad((xIn, save) => {
      const [q, k, v] = tf.unstack(tf.transpose(tf.reshape(xIn as Tensor, [B, T, 3, H, dh]), [2, 0, 3, 1, 4])) as [Tensor, Tensor, Tensor];
      // The scale goes on q [B, H, T, dh] (and on dQ backward), not on the T/dh-times larger scores.
      const qs = tf.mul(q, scalar(scale));
      const P = tf.softmax(tf.add(tf.matMul(qs, k, false, true), bias)); // [B, H, T, T]
      const O = tf.matMul(P, v); // [B, H, T, dh]
      (save as (t: Tensor[]) => void)([qs, k, v, P]);
      return {
        value: tf.reshape(tf.transpose(O, [0, 2, 1, 3]), [N, d]) as Tensor2D,
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const [qS, kS, vS, PS] = saved as [Tensor, Tensor, Tensor, Tensor];
          const dO = tf.transpose(tf.reshape(dy, [B, T, H, dh]), [0, 2, 1, 3]);
          const dP = tf.matMul(dO, vS, false, true);
          const dV = tf.matMul(PS, dO, true, false);
          const dS = tf.mul(PS, tf.sub(dP, tf.sum(tf.mul(dP, PS), -1, true)));
          const dQ = tf.mul(tf.matMul(dS, kS), scalar(scale));
          const dK = tf.matMul(dS, qS, true, false);
          return [tf.reshape(tf.transpose(tf.stack([dQ, dK, dV]), [1, 3, 0, 2, 4]), [N, 3 * d])];
        },
      };
    });
    return f(qkv) as Tensor2D;
  }

  /**
   * `wasm` attention. Per sequence, all heads are computed with one 2-D product against a
   * block-diagonal expansion of K (and V): Q_b[T,d] · Kbd_b[d,H·T] gives every head's scores in
   * [T, H, T] layout and P_b[T,H·T] · Vbd_b[H·T,d] returns heads already concatenated. It spends H×
   * the FLOPs of the batched form but runs on the fast kernel, which is >H× faster there.
   */
  function attentionBlockDiagonal(qkv: Tensor2D, B: number, T: number): Tensor2D {
    const N = B * T;
    const M = headMask(T);
    const Mt = headMaskT(T);
    const Mh = headSelect();
    /** [B, m, k] · [B, k, n] as B plain products on rank-3 slices (batch 1: XNNPACK). */
    const perSequence = (a: Tensor, b: Tensor): Tensor => {
      const as = tf.split(a, B, 0);
      const bs = tf.split(b, B, 0);
      return tf.concat(as.map((x, i) => tf.matMul(x as Tensor3D, bs[i]! as Tensor3D)), 0);
    };
    /** [B, H·T, d] block products → the diagonal blocks summed over heads, as [B·T, d]. */
    const headSum = (blocks: Tensor) => {
      const byHead = tf.reshape(tf.transpose(tf.reshape(blocks, [B, H, T, d]), [1, 0, 2, 3]), [H, N, d]);
      return tf.addN(tf.unstack(tf.mul(byHead, Mh)));
    };
    const f = tf.customGrad((xIn, save) => {
      const [qIn, kIn, vIn] = tf.split(xIn as Tensor2D, 3, 1);
      const q3 = tf.reshape(tf.mul(qIn!, scale), [B, T, d]) as Tensor3D;
      const k3 = tf.reshape(kIn!, [B, T, d]) as Tensor3D;
      const v3 = tf.reshape(vIn!, [B, T, d]) as Tensor3D;
      const kbd = tf.mul(repeat(tf.transpose(k3, [0, 2, 1]), H, 2), M); // [B, d, H·T]
      const vbd = tf.mul(repeat(v3, H, 1), Mt); // [B, H·T, d]
      const S = perSequence(q3, kbd); // [B, T, H·T]
      const P = tf.reshape(tf.softmax(tf.add(tf.reshape(S, [B, T, H, T]), causalBias(T))), [B, T, H * T]);
      const O = perSequence(P, vbd); // [B, T, d]
      (save as (t: Tensor[]) => void)([q3, k3, v3, P]);
      return {
        value: tf.reshape(O, [N, d]) as Tensor2D,
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const [qS, kS, vS, PS] = saved as [Tensor3D, Tensor3D, Tensor3D, Tensor3D];
          const dO = tf.reshape(dy, [B, T, d]);
          const vbdT = tf.mul(repeat(tf.transpose(vS, [0, 2, 1]), H, 2), M); // [B, d, H·T]
          const dP = perSequence(dO, vbdT);
          const dV = headSum(perSequence(tf.transpose(PS, [0, 2, 1]), dO));
          const P4 = tf.reshape(PS, [B, T, H, T]);
          const dP4 = tf.reshape(dP, [B, T, H, T]);
          const dS = tf.reshape(tf.mul(P4, tf.sub(dP4, tf.sum(tf.mul(dP4, P4), -1, true))), [B, T, H * T]);
          const kbdT = tf.mul(repeat(kS, H, 1), Mt); // [B, H·T, d]
          const dQ = perSequence(dS, kbdT);
          const dK = headSum(perSequence(tf.transpose(dS, [0, 2, 1]), qS));
          return [tf.concat([tf.reshape(tf.mul(dQ, scale), [N, d]), dK, dV], 1)];
        },
      };
    });
    return f(qkv) as Tensor2D;
  }

  /** Mean softmax cross-entropy of `logits` [N, V] against integer `targets` [N]. */
  function crossEntropy(logits: Tensor2D, targets: Tensor1D): Tensor {
    const [N, V] = logits.shape;
    // Tensors a gradient needs must go through save(): the forward pass is tidied before backprop.
    const f = tf.customGrad((lIn, tIn, save) => {
      const oneHot = oneHotF(tIn as Tensor1D, V);
      const lse = tf.logSumExp(lIn as Tensor, -1, true);
      const loss = tf.mean(tf.sub(lse, tf.sum(tf.mul(lIn as Tensor, oneHot), -1, true)));
      (save as (t: Tensor[]) => void)([lIn as Tensor, lse, oneHot]);
      return {
        value: loss,
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const [l, s, oh] = saved as [Tensor, Tensor, Tensor];
          return [tf.mul(tf.sub(tf.exp(tf.sub(l, s)), oh), tf.div(dy, N)), tf.zerosLike(tIn as Tensor)];
        },
      };
    });
    return f(logits, targets);
  }

  function dispose() {
    for (const t of constants.values()) t.dispose();
    constants.clear();
  }

  return { flavor, linear, layerNorm, embedding, attention, crossEntropy, transpose2d, oneHotF, dispose, headDim: dh, scale };
}
