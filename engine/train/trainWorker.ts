/**
 * Training worker thread: a full model replica on its own tfjs instance. For each step it computes
 * the gradient of its shard of the batch; the coordinator averages the shards' gradients and every
 * replica applies the same Adam update, so replicas stay bit-identical.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendCandidate } from '../backend/selectBackend.ts';
import type { ModelConfig } from '../model/config.ts';
import { createTrainer, type AdamOptions, type Trainer, type TrainerState } from './createTrainer.ts';

export type ToTrainWorker =
  | { type: 'init'; config: ModelConfig; state?: TrainerState | undefined; adam: Partial<AdamOptions>; seed: number; candidates?: string[] | undefined }
  | { type: 'grad'; inputs: Int32Array; targets: Int32Array; B: number; T: number }
  | { type: 'apply'; grad: Float32Array }
  /** Shared-memory path: write this shard's gradient into `slots[slot]` … */
  | { type: 'gradShared'; inputs: Int32Array; targets: Int32Array; B: number; T: number; slots: SharedArrayBuffer; slot: number }
  /** … then average all slots with these weights and apply (every replica does the same). */
  | { type: 'applyShared'; slots: SharedArrayBuffer; weights: number[] }
  | { type: 'state' };

export type FromTrainWorker =
  | { type: 'ready'; backend: string }
  | { type: 'grad'; loss: number; grad: Float32Array }
  | { type: 'gradShared'; loss: number }
  | { type: 'applied' }
  | { type: 'state'; state: TrainerState }
  | { type: 'error'; message: string };

const port = parentPort;
if (!port) throw new Error('trainWorker.ts must run in a worker thread');
let trainer: Trainer | null = null;

port.on('message', async (msg: ToTrainWorker) => {
  try {
    if (msg.type === 'init') {
      const b = await selectBackend({ tf }, msg.candidates ? { candidates: msg.candidates as BackendCandidate[] } : {});
      trainer = createTrainer(tf, { config: msg.config, state: msg.state, adam: msg.adam, seed: msg.seed });
      port.postMessage({ type: 'ready', backend: b.name } satisfies FromTrainWorker);
      return;
    }
    if (!trainer) throw new Error('not initialised');
    if (msg.type === 'grad') {
      const { loss, grad } = trainer.gradient({ inputs: msg.inputs, targets: msg.targets, B: msg.B, T: msg.T });
      port.postMessage({ type: 'grad', loss, grad } satisfies FromTrainWorker, [grad.buffer as ArrayBuffer]);
    } else if (msg.type === 'gradShared') {
      const { loss, grad } = trainer.gradient({ inputs: msg.inputs, targets: msg.targets, B: msg.B, T: msg.T });
      new Float32Array(msg.slots, msg.slot * grad.length * 4, grad.length).set(grad);
      port.postMessage({ type: 'gradShared', loss } satisfies FromTrainWorker);
    } else if (msg.type === 'applyShared') {
      const P = msg.slots.byteLength / 4 / msg.weights.length;
      trainer.applyWeighted(msg.weights.map((_, i) => new Float32Array(msg.slots, i * P * 4, P)), msg.weights);
      port.postMessage({ type: 'applied' } satisfies FromTrainWorker);
    } else if (msg.type === 'apply') {
      trainer.apply(msg.grad);
      port.postMessage({ type: 'applied' } satisfies FromTrainWorker);
    } else {
      const state = trainer.state();
      port.postMessage({ type: 'state', state } satisfies FromTrainWorker);
    }
  } catch (error) {
    port.postMessage({ type: 'error', message: (error as Error)?.message ?? String(error) } satisfies FromTrainWorker);
  }
});
