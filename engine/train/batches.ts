import { mulberry32 } from '../model/config.ts';
import type { Batch } from './createTrainer.ts';

/**
 * Deterministic batches over a token stream: batch `step` depends only on (tokens, seed, step),
 * so the data cursor saved in a checkpoint is just the step number. Windows of T+1 tokens start
 * at a per-epoch permutation of offsets (stride T/2); the stream is treated as cyclic so even a
 * dataset shorter than one window trains.
 */
export type BatchSource = { batch(step: number): Batch; epochOf(step: number): number; readonly windows: number; readonly tokens: number };

export function createBatchSource(tokens: Uint8Array, params: { B: number; T: number; seed: number }): BatchSource {
  const { B, T, seed } = params;
  const n = tokens.length;
  if (n < 2) throw new Error('need at least two tokens');
  const stride = Math.max(1, Math.floor(T / 2));
  const windows = Math.max(1, Math.ceil(n / stride));
  const perms = new Map<number, Uint32Array>();
  const permutation = (epoch: number) => {
    let p = perms.get(epoch);
    if (!p) {
      p = new Uint32Array(windows);
      for (let i = 0; i < windows; i++) p[i] = i;
      const rand = mulberry32(seed * 7919 + epoch);
      for (let i = windows - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        const t = p[i]!;
        p[i] = p[j]!;
        p[j] = t;
      }
      if (perms.size > 4) perms.clear();
      perms.set(epoch, p);
    }
    return p;
  };
  return {
    windows,
    tokens: n,
    epochOf: (step) => Math.floor((step * B) / windows),
    batch(step) {
      const inputs = new Int32Array(B * T);
      const targets = new Int32Array(B * T);
      for (let b = 0; b < B; b++) {
        const k = step * B + b;
        const start = (permutation(Math.floor(k / windows))[k % windows] ?? 0) * stride;
        for (let t = 0; t < T; t++) {
          inputs[b * T + t] = tokens[(start + t) % n]!;
          targets[b * T + t] = tokens[(start + t + 1) % n]!;
        }
      }
      return { inputs, targets, B, T };
    },
  };
}
