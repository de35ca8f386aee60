import type { Tensor, Tensor1D } from '@tensorflow/tfjs';
import type { Tf } from '../types.ts';
import { initialWeights, paramCount, type ModelConfig } from '../model/config.ts';
import { createTransformer, type Transformer } from '../model/transformer.ts';

/** Adam hyper-parameters. */
export type AdamOptions = { learningRate: number; beta1: number; beta2: number; epsilon: number; clipNorm: number; warmupSteps: number };

export const defaultAdam: AdamOptions = { learningRate: 1e-3, beta1: 0.9, beta2: 0.99, epsilon: 1e-8, clipNorm: 1, warmupSteps: 20 };

/** Everything needed to continue training exactly where it stopped. */
export type TrainerState = {
  weights: Float32Array;
  /** Adam first/second moments, same layout as `weights`; absent for a fresh optimizer. */
  m?: Float32Array | undefined;
  v?: Float32Array | undefined;
  /** Optimizer steps taken so far. */
  step: number;
};

/** A batch of `B` windows of `T` tokens, flattened row-major. */
export type Batch = { inputs: Int32Array; targets: Int32Array; B: number; T: number };

export type Trainer = {
  readonly model: Transformer;
  readonly paramCount: number;
  /** One optimizer step on `batch`; returns the loss before the update. */
  step(batch: Batch): number;
  /** Loss and the flat gradient for `batch`, without updating (for data-parallel workers). */
  gradient(batch: Batch): { loss: number; grad: Float32Array };
  /** Applies an (already averaged) flat gradient with Adam. */
  apply(grad: Float32Array): void;
  /** Applies Σ weights[i]·grads[i] with Adam (the average is computed on the backend). */
  applyWeighted(grads: Float32Array[], weights: number[]): void;
  /** Mean loss on `batch` without updating. */
  evaluate(batch: Batch): number;
  /** Snapshot of weights and optimizer state (copies). */
  state(): TrainerState;
  dispose(): void;
};

/**
 * A trainer holding weights and Adam moments as three flat tensors, so the whole optimizer
 * update is ~10 element-wise ops and the gradient travels as one Float32Array.
 */
export function createTrainer(
  tf: Tf,
  params: { config: ModelConfig; state?: TrainerState | undefined; adam?: Partial<AdamOptions>; seed?: number },
): Trainer {
  const model = createTransformer(tf, params.config);
  const P = paramCount(params.config);
  const adam = { ...defaultAdam, ...params.adam };
  const init = params.state;
  let flat: Tensor1D = tf.keep(tf.tensor1d(init?.weights ?? initialWeights(params.config, params.seed ?? 1)));
  let m: Tensor1D = tf.keep(init?.m ? tf.tensor1d(init.m) : tf.zeros([P]));
  let v: Tensor1D = tf.keep(init?.v ? tf.tensor1d(init.v) : tf.zeros([P]));
  let t = init?.step ?? 0;
  if (flat.size !== P) throw new Error(`weights have ${flat.size} values, the model needs ${P}`);

  function gradTensor(batch: Batch): { loss: Tensor; grad: Tensor1D } {
    const ids = tf.tensor1d(batch.inputs, 'int32');
    const targets = tf.tensor1d(batch.targets, 'int32');
    const f = (w: Tensor) => model.loss(model.views(w as Tensor1D), ids, targets, batch.B, batch.T);
    const { value, grad } = tf.valueAndGrad(f)(flat);
    return { loss: value, grad: grad as Tensor1D };
  }

  function applyTensor(g: Tensor1D) {
    t += 1;
    const warm = adam.warmupSteps > 0 ? Math.min(1, t / adam.warmupSteps) : 1;
    const lr = (adam.learningRate * warm * Math.sqrt(1 - adam.beta2 ** t)) / (1 - adam.beta1 ** t);
    const [nf, nm, nv] = tf.tidy(() => {
      const norm = tf.sqrt(tf.sum(tf.square(g)));
      const clipped = tf.mul(g, tf.minimum(1, tf.div(adam.clipNorm, tf.add(norm, 1e-6))));
      const m2 = tf.add(tf.mul(m, adam.beta1), tf.mul(clipped, 1 - adam.beta1));
      const v2 = tf.add(tf.mul(v, adam.beta2), tf.mul(tf.square(clipped), 1 - adam.beta2));
      const f2 = tf.sub(flat, tf.mul(tf.div(m2, tf.add(tf.sqrt(v2), adam.epsilon)), lr));
      return [tf.keep(f2), tf.keep(m2), tf.keep(v2)] as Tensor1D[];
    });
    flat.dispose();
    m.dispose();
    v.dispose();
    flat = nf as Tensor1D;
    m = nm as Tensor1D;
    v = nv as Tensor1D;
  }

  return {
    model,
    paramCount: P,
    step(batch) {
      let loss = 0;
      tf.tidy(() => {
        const r = gradTensor(batch);
        loss = r.loss.dataSync()[0] ?? NaN;
        applyTensor(r.grad);
      });
      return loss;
    },
    gradient(batch) {
      // Never return typed arrays from tf.tidy: it walks the result element by element looking for tensors.
      let out: { loss: number; grad: Float32Array } | null = null;
      tf.tidy(() => {
        const r = gradTensor(batch);
        out = { loss: r.loss.dataSync()[0] ?? NaN, grad: r.grad.dataSync() as Float32Array };
      });
      return out!;
    },
    apply(grad) {
      tf.tidy(() => applyTensor(tf.tensor1d(grad)));
    },
    applyWeighted(grads, weights) {
      tf.tidy(() => applyTensor(tf.addN(grads.map((g, i) => tf.mul(tf.tensor1d(g), weights[i]!))) as Tensor1D));
    },
    evaluate(batch) {
      return tf.tidy(() => {
        const ids = tf.tensor1d(batch.inputs, 'int32');
        const targets = tf.tensor1d(batch.targets, 'int32');
        return model.loss(model.views(flat), ids, targets, batch.B, batch.T).dataSync()[0] ?? NaN;
      });
    },
    state() {
      return { weights: flat.dataSync().slice() as Float32Array, m: m.dataSync().slice() as Float32Array, v: v.dataSync().slice() as Float32Array, step: t };
    },
    dispose() {
      flat.dispose();
      m.dispose();
      v.dispose();
      model.dispose();
    },
  };
}
