import { deliverOnce } from '../../platform/notifications/deliverOnce.ts';
import { defineWorker } from '../defineWorker.ts';
import type { WorkerDeps } from '../workerDeps.ts';

/**
 * `notify`: delivers platform messages exactly once (see `deliverOnce`), rate-limited below
 * Telegram's global 30 messages/s.
 */
export function createNotifyWorker(deps: WorkerDeps) {
  return defineWorker({
    name: 'notify',
    settings: deps.settings,
    log: deps.log,
    options: { concurrency: 4, limiter: { max: 25, duration: 1000 } },
    async process(job) {
      const outcome = await deliverOnce(deps, job.data);
      return { outcome };
    },
  });
}
