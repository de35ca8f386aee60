import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import type { Tf } from '../types.ts';
import { paramSpecs, type ModelConfig, type ParamSpec } from './config.ts';
import { createOps, type Ops, type OpsFlavor } from './ops.ts';

/** Parameters by name, as views of one flat buffer. */
export type Params = Record<string, Tensor>;

export type Transformer = {
  readonly config: ModelConfig;
  readonly specs: ParamSpec[];
  readonly ops: Ops;
  /** Splits a flat parameter vector into named, shaped tensors (one split op; matrices reshaped). */
  views(flat: Tensor1D): Params;
  /** Logits [B·T, V] for token ids [B·T]; `capture` receives each layer's k and v [B·T, d]. */
  logits(p: Params, ids: Tensor1D, B: number, T: number, capture?: (layer: number, k: Tensor2D, v: Tensor2D) => void): Tensor2D;
  /** Mean next-token cross-entropy. */
  loss(p: Params, ids: Tensor1D, targets: Tensor1D, B: number, T: number): Tensor;
  dispose(): void;
};

/**
 * Builds the decoder-only transformer (pre-LN GPT: learned positions, ReLU MLP, untied head)
 * as pure functions of a parameter record, so training, data-parallel workers and serving
 * share one definition.
 */
export function createTransformer(tf: Tf, config: ModelConfig, options: { flavor?: OpsFlavor | undefined } = {}): Transformer {
  const specs = paramSpecs(config);
  // The ops' formulation follows the active backend (see ops.ts) unless one is asked for.
  const ops = createOps(tf, config, options);
  const d = config.dModel;

  function views(flat: Tensor1D): Params {
    const parts = tf.split(flat, specs.map((s) => s.size));
    const out: Params = {};
    specs.forEach((s, i) => {
      // Vectors come out of the split already shaped: no Reshape (on tfjs-node each is two calls).
      out[s.name] = s.shape.length === 1 ? (parts[i] as Tensor) : tf.reshape(parts[i] as Tensor, s.shape);
    });
    return out;
  }

  const get = (p: Params, name: string) => {
    const t = p[name];
    if (!t) throw new Error(`missing parameter ${name}`);
    return t;
  };

  function logits(p: Params, ids: Tensor1D, B: number, T: number, capture?: (l: number, k: Tensor2D, v: Tensor2D) => void): Tensor2D {
    const N = B * T;
    const tok = ops.embedding(ids, get(p, 'tok_emb') as Tensor2D);
    const pos = tf.slice(get(p, 'pos_emb'), [0, 0], [T, d]);
    let x = tf.reshape(tf.add(tf.reshape(tok, [B, T, d]), pos), [N, d]) as Tensor2D;
    for (let l = 0; l < config.nLayers; l++) {
      const w = (n: string) => get(p, `h${l}.${n}`);
      const a = ops.layerNorm(x, w('ln1.g') as Tensor1D, w('ln1.b') as Tensor1D);
      const qkv = ops.linear(a, w('attn.wqkv') as Tensor2D, w('attn.bqkv') as Tensor1D);
      if (capture) {
        const [, k, v] = tf.split(qkv, 3, 1) as [Tensor2D, Tensor2D, Tensor2D];
        capture(l, k, v);
      }
      const att = ops.attention(qkv, B, T);
      x = tf.add(x, ops.linear(att, w('attn.wo') as Tensor2D, w('attn.bo') as Tensor1D));
      const a2 = ops.layerNorm(x, w('ln2.g') as Tensor1D, w('ln2.b') as Tensor1D);
      const m = ops.linear(a2, w('mlp.w1') as Tensor2D, w('mlp.b1') as Tensor1D, true);
      x = tf.add(x, ops.linear(m, w('mlp.w2') as Tensor2D, w('mlp.b2') as Tensor1D));
    }
    const xf = ops.layerNorm(x, get(p, 'lnf.g') as Tensor1D, get(p, 'lnf.b') as Tensor1D);
    return ops.linear(xf, get(p, 'head.w') as Tensor2D, get(p, 'head.b') as Tensor1D);
  }

  function loss(p: Params, ids: Tensor1D, targets: Tensor1D, B: number, T: number): Tensor {
    return ops.crossEntropy(logits(p, ids, B, T), targets);
  }

  return { config, specs, ops, views, logits, loss, dispose: () => ops.dispose() };
}
