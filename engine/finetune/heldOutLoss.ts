import type { ModelConfig } from '../model/config.ts';
import { sequenceLogProbs } from '../model/sequenceLogProbs.ts';
import { createTransformer } from '../model/transformer.ts';
import type { Tf } from '../types.ts';

/**
 * Mean next-byte cross-entropy (nats) of `weights` on a token stream the model did not train
 * on: the stream is cut into consecutive windows of the model's context, every byte predicted
 * once, computed with the training forward pass in batches of `batch` windows.
 */
export function heldOutLoss(tf: Tf, config: ModelConfig, weights: Float32Array, tokens: Uint8Array, batch = 8): number {
  const T = config.contextLength;
  const windows: Array<{ ids: Int32Array; targets: Int32Array; n: number }> = [];
  for (let at = 0; at + 1 < tokens.length; at += T) {
    const n = Math.min(T, tokens.length - 1 - at);
    const ids = new Int32Array(T);
    const targets = new Int32Array(T);
    for (let t = 0; t < n; t++) {
      ids[t] = tokens[at + t]!;
      targets[t] = tokens[at + t + 1]!;
    }
    windows.push({ ids, targets, n });
  }
  if (windows.length === 0) return Number.NaN;
  const model = createTransformer(tf, config);
  const flat = tf.tensor1d(weights);
  const params = model.views(flat);
  let total = 0;
  let count = 0;
  try {
    for (let i = 0; i < windows.length; i += batch) {
      const group = windows.slice(i, i + batch);
      const B = group.length;
      const ids = new Int32Array(B * T);
      const targets = new Int32Array(B * T);
      const mask = new Float32Array(B * T);
      group.forEach((w, r) => {
        ids.set(w.ids, r * T);
        targets.set(w.targets, r * T);
        mask.fill(1, r * T, r * T + w.n);
        count += w.n;
      });
      total -= sequenceLogProbs(tf, model, params, { ids, targets, weight: mask, B, T }).reduce((a, x) => a + x, 0);
    }
  } finally {
    tf.dispose(Object.values(params));
    flat.dispose();
    model.dispose();
  }
  return total / count;
}

/**
 * Which documents are held out of training to measure the fine-tune: every 20th (at most 64),
 * once there are at least 10, so small datasets keep all their rows for training.
 */
export function heldOutDocuments(count: number): Set<number> {
  const out = new Set<number>();
  if (count < 10) return out;
  for (let i = 19 % count; i < count && out.size < 64; i += 20) out.add(i);
  if (out.size === 0) out.add(count - 1);
  return out;
}
