import type { Worker } from 'bullmq';
import { createIngestWorker } from './workers/ingest.ts';
import { createMintWorker } from './workers/mint.ts';
import { createNotifyWorker } from './workers/notify.ts';
import { createReviewWorker } from './workers/review.ts';
import { createFinetuneWorker } from './workers/finetune.ts';
import type { QueueName } from './queues.ts';
import type { WorkerDeps } from './workerDeps.ts';

const FACTORIES = {
  ingest: createIngestWorker,
  review: createReviewWorker,
  mint: createMintWorker,
  finetune: createFinetuneWorker,
  notify: createNotifyWorker,
} satisfies Record<QueueName, (deps: WorkerDeps) => unknown>;

export type RunningWorkers = { workers: Worker[]; close(): Promise<void> };

/** Starts workers for `names` (default: every queue); `close()` lets running jobs finish first. */
export function startWorkers(deps: WorkerDeps, names: readonly QueueName[] = Object.keys(FACTORIES) as QueueName[]): RunningWorkers {
  const workers: Worker[] = names.map((n) => FACTORIES[n](deps) as unknown as Worker);
  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
