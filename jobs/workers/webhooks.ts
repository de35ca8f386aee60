import { Queue } from 'bullmq';
import { deliverWebhook } from '../../platform/webhooks/deliverWebhook.ts';
import { sweepWebhookDeliveries } from '../../platform/webhooks/sweepWebhookDeliveries.ts';
import { DEFAULT_WEBHOOK_SETTINGS } from '../../platform/webhooks/types.ts';
import { defineWorker } from '../defineWorker.ts';
import type { JobData, JobResult, QueueSettings } from '../queues.ts';
import type { WorkerDeps } from '../workerDeps.ts';

/** Id of the job scheduler that queues a sweep every WEBHOOK_SWEEP_INTERVAL. */
export const WEBHOOK_SWEEP_SCHEDULER_ID = 'webhook-sweep';

/** A job that ran a little early for its delivery (clocks of Redis and PostgreSQL apart) waits this long at most. */
const EARLY_WAIT_MS = 5_000;

/**
 * `webhook`: one attempt of one delivery per job (see `deliverWebhook`; a failed attempt queues
 * the next with its backoff delay), and a sweep every `webhooks.sweepIntervalMs` that queues
 * pending deliveries whose job was lost, so nothing waits forever after a crash or a Redis
 * loss. Attempts are HTTP calls of at most 10 s, so many run at once.
 */
export function createWebhookWorker(deps: WorkerDeps) {
  const settings = deps.webhooks ?? DEFAULT_WEBHOOK_SETTINGS;
  const log = deps.log.child({ component: 'webhooks' });
  const worker = defineWorker({
    name: 'webhook',
    settings: deps.settings,
    log: deps.log,
    options: { concurrency: 16 },
    async process(job) {
      if ('sweep' in job.data) return { outcome: 'swept', queued: await sweepWebhookDeliveries(deps) };
      for (let early = 0; ; early++) {
        const r = await deliverWebhook({ ...deps, settings, log }, { deliveryId: job.data.deliveryId });
        if (r.outcome === 'skipped' && r.reason === 'not_due' && early === 0 && (r.waitMs ?? 0) <= EARLY_WAIT_MS) {
          await new Promise((resolve) => setTimeout(resolve, (r.waitMs ?? 0) + 20));
          continue;
        }
        return { outcome: r.outcome === 'skipped' ? `skipped: ${r.reason}` : r.outcome };
      }
    },
  });
  scheduleWebhookSweep(deps.settings, settings.sweepIntervalMs).catch((err: unknown) => log.error({ err }, 'could not schedule the webhook sweep'));
  return worker;
}

/** Creates or updates the scheduler that queues a sweep every `everyMs` (idempotent across restarts). */
export async function scheduleWebhookSweep(settings: QueueSettings, everyMs: number): Promise<void> {
  const queue = new Queue<JobData<'webhook'>, JobResult<'webhook'>, string>('webhook', { connection: settings.connection, prefix: settings.prefix });
  queue.on('error', () => {});
  try {
    await queue.upsertJobScheduler(
      WEBHOOK_SWEEP_SCHEDULER_ID,
      { every: everyMs },
      { name: 'webhook-sweep', data: { sweep: true }, opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } },
    );
  } finally {
    await queue.close();
  }
}
