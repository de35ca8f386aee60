import type { Worker } from 'bullmq';
import { createIngestWorker } from './workers/ingest.ts';
import { createMintWorker } from './workers/mint.ts';
import { createNotifyWorker } from './workers/notify.ts';
import { createReviewWorker } from './workers/review.ts';
import { createFinetuneWorker } from './workers/finetune.ts';
import { createIndexWorker } from './workers/indexer.ts';
import { createWebhookWorker } from './workers/webhooks.ts';
import { createGovernanceWorker } from './workers/governance.ts';
import type { QueueName } from './queues.ts';
import type { WorkerDeps } from './workerDeps.ts';

const FACTORIES = {
  ingest: createIngestWorker,
  review: createReviewWorker,
  mint: createMintWorker,
  finetune: createFinetuneWorker,
  notify: createNotifyWorker,
  index: createIndexWorker,
  webhook: createWebhookWorker,
  governance: createGovernanceWorker,
} satisfies Record<QueueName, (deps: WorkerDeps) => unknown>;

export type RunningWorkers = { workers: Worker[]; close(): Promise<void> };

/**
 * Starts workers for `names` (default: every queue). `close()` first cancels what is running
 * (a fine-tune saves its checkpoint and goes back to the waiting list), then lets the short
 * jobs finish.
 */
export function startWorkers(deps: WorkerDeps, names: readonly QueueName[] = Object.keys(FACTORIES) as QueueName[]): RunningWorkers {
  const workers: Worker[] = names.map((n) => FACTORIES[n](deps) as unknown as Worker);
  return {
    workers,
    async close() {
      for (const w of workers) if (w.name === 'finetune') w.cancelAllJobs('shutting down');
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
