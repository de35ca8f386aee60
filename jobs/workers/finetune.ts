import { WaitingError } from 'bullmq';
import { FinetuneInterruptedError, failFinetune, runFinetune } from '../../platform/assistants/runFinetune.ts';
import { defineWorker } from '../defineWorker.ts';
import type { WorkerDeps } from '../workerDeps.ts';

/**
 * `finetune`: trains an assistant with the engine (see `runFinetune`). When the process shuts
 * down, the running fine-tune is cancelled: it saves a checkpoint and the job goes back to the
 * waiting list, so the next start picks it up at once and resumes. A worker killed outright
 * leaves its job stalled; after the lock (FINETUNE_LOCK_MS) another worker takes it over and
 * resumes from the last checkpoint.
 */
export function createFinetuneWorker(deps: WorkerDeps) {
  return defineWorker({
    name: 'finetune',
    settings: deps.settings,
    log: deps.log,
    // One fine-tune at a time per process: it already uses every core.
    options: {
      concurrency: 1,
      lockDuration: deps.finetuneLockMs ?? 120_000,
      stalledInterval: Math.min(30_000, deps.finetuneLockMs ?? 30_000),
      // Restarts and killed workers are expected for long runs: do not fail a job for stalling.
      maxStalledCount: 10,
    },
    async process(job, token, signal) {
      try {
        return await runFinetune(deps, {
          assistantId: job.data.assistantId,
          replyTarget: job.data.replyTarget,
          signal,
          plotKey: `finetune:${job.id}:loss-plot`,
          onProgress: (p) => void job.updateProgress(p).catch(() => {}),
        });
      } catch (err) {
        if (err instanceof FinetuneInterruptedError && token) {
          await job.moveToWait(token);
          throw new WaitingError();
        }
        throw err;
      }
    },
    onGiveUp: (job, err) =>
      failFinetune(deps, {
        assistantId: job.data.assistantId,
        replyTarget: job.data.replyTarget,
        reason: err.message,
        key: `finetune:${job.data.assistantId}:failed:${job.id}`,
      }),
  });
}
