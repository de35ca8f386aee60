import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import type { Tf } from '../types.ts';
import type { Params, Transformer } from './transformer.ts';

/**
 * Σ over each of `B` rows of `weight[t] · log p(targets[t] | ids[..t])`, with the model's training
 * forward pass (public tfjs ops: the same on every backend). Rows are right-padded to `T`; padding
 * carries weight 0 and, the model being causal, does not change earlier positions.
 */
export function sequenceLogProbs(
  tf: Tf,
  model: Pick<Transformer, 'logits' | 'config'>,
  params: Params,
  batch: { ids: Int32Array; targets: Int32Array; weight: Float32Array; B: number; T: number },
): Float32Array {
  const { B, T } = batch;
  return tf.tidy(() => {
    const logp = tf.logSoftmax(model.logits(params, tf.tensor1d(batch.ids, 'int32') as Tensor1D, B, T) as Tensor2D);
    const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(batch.targets, 'int32'), model.config.vocabSize)), 1);
    return tf.sum(tf.reshape(tf.mul(picked, tf.tensor1d(batch.weight)), [B, T]), 1).dataSync() as Float32Array;
  });
}
