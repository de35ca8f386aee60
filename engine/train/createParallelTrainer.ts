import { Worker } from 'node:worker_threads';
import { WorkerCrashedError } from '../errors.ts';
import { paramCount, type ModelConfig } from '../model/config.ts';
import type { AdamOptions, Batch, TrainerState } from './createTrainer.ts';
import type { FromTrainWorker, ToTrainWorker } from './trainWorker.ts';

/** A trainer whose methods may be asynchronous (local or data-parallel). */
export type TrainerLike = {
  step(batch: Batch): number | Promise<number>;
  state(): TrainerState | Promise<TrainerState>;
  dispose(): void | Promise<void>;
};

const entry = new URL('./trainWorkerEntry.mjs', import.meta.url);

/**
 * Data-parallel training over `workers` threads (one tfjs wasm instance per core): each step the
 * batch rows are split across the replicas, their gradients averaged (weighted by rows), and the
 * same Adam update applied on every replica. Equivalent to a single-thread step on the whole batch.
 */
export async function createParallelTrainer(params: {
  config: ModelConfig;
  workers: number;
  state?: TrainerState | undefined;
  adam?: Partial<AdamOptions> | undefined;
  seed?: number | undefined;
  candidates?: string[] | undefined;
}): Promise<TrainerLike> {
  const n = Math.max(1, params.workers);
  type Pending = { resolve: (m: FromTrainWorker) => void; reject: (e: unknown) => void };
  const slots = Array.from({ length: n }, () => {
    const worker = new Worker(entry);
    const queue: Pending[] = [];
    let dead: Error | null = null;
    worker.on('message', (m: FromTrainWorker) => {
      const p = queue.shift();
      if (!p) return;
      if (m.type === 'error') p.reject(new WorkerCrashedError('A training worker failed.', { details: m.message }));
      else p.resolve(m);
    });
    const fail = (e: Error) => {
      dead = e;
      for (const p of queue.splice(0)) p.reject(new WorkerCrashedError('A training worker stopped.', { cause: e }));
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    const call = (msg: ToTrainWorker, transfer: ArrayBuffer[] = []) =>
      new Promise<FromTrainWorker>((resolve, reject) => {
        if (dead) return reject(new WorkerCrashedError('A training worker stopped.', { cause: dead }));
        queue.push({ resolve, reject });
        worker.postMessage(msg, transfer);
      });
    return { worker, call };
  });
  try {
    await Promise.all(slots.map((s) => s.call({ type: 'init', config: params.config, state: params.state, adam: params.adam ?? {}, seed: params.seed ?? 1, candidates: params.candidates })));
  } catch (error) {
    await Promise.all(slots.map((s) => s.worker.terminate()));
    throw error;
  }

  const paramTotal = paramCount(params.config);
  let slots_: SharedArrayBuffer | null = null;
  return {
    async step(batch) {
      const { B, T } = batch;
      const shards = Math.min(n, B);
      const per = Math.ceil(B / shards);
      // Gradients meet in shared memory: each replica writes its slot, then every replica averages
      // the slots itself and applies the same update (no copies through the coordinator).
      slots_ ??= new SharedArrayBuffer(paramTotal * 4 * n);
      const jobs: Array<Promise<FromTrainWorker>> = [];
      const weights: number[] = new Array(n).fill(0);
      for (let w = 0; w < shards; w++) {
        const from = w * per;
        const to = Math.min(B, from + per);
        if (to <= from) break;
        weights[w] = (to - from) / B;
        jobs.push(slots[w]!.call({ type: 'gradShared', inputs: batch.inputs.slice(from * T, to * T), targets: batch.targets.slice(from * T, to * T), B: to - from, T, slots: slots_, slot: w }));
      }
      const results = (await Promise.all(jobs)) as Array<Extract<FromTrainWorker, { type: 'gradShared' }>>;
      const loss = results.reduce((a, r, i) => a + r.loss * weights[i]!, 0);
      await Promise.all(slots.map((s) => s.call({ type: 'applyShared', slots: slots_!, weights })));
      return loss;
    },
    async state() {
      const m = (await slots[0]!.call({ type: 'state' })) as Extract<FromTrainWorker, { type: 'state' }>;
      return m.state;
    },
    async dispose() {
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
