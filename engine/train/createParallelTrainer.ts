import { Worker } from 'node:worker_threads';
import { WorkerCrashedError } from '../errors.ts';
import type { ModelConfig } from '../model/config.ts';
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

  return {
    async step(batch) {
      const { B, T } = batch;
      const shards = Math.min(n, B);
      const per = Math.ceil(B / shards);
      const jobs: Array<Promise<FromTrainWorker>> = [];
      const rows: number[] = [];
      for (let w = 0; w < shards; w++) {
        const from = w * per;
        const to = Math.min(B, from + per);
        if (to <= from) break;
        rows.push(to - from);
        jobs.push(slots[w]!.call({ type: 'grad', inputs: batch.inputs.slice(from * T, to * T), targets: batch.targets.slice(from * T, to * T), B: to - from, T }));
      }
      const results = (await Promise.all(jobs)) as Array<Extract<FromTrainWorker, { type: 'grad' }>>;
      const avg = results[0]!.grad;
      const w0 = rows[0]! / B;
      for (let i = 0; i < avg.length; i++) avg[i]! *= w0;
      let loss = results[0]!.loss * w0;
      for (let r = 1; r < results.length; r++) {
        const g = results[r]!.grad;
        const wr = rows[r]! / B;
        for (let i = 0; i < avg.length; i++) avg[i]! += g[i]! * wr;
        loss += results[r]!.loss * wr;
      }
      await Promise.all(slots.map((s) => s.call({ type: 'apply', grad: avg })));
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
