import { deliverOnce, type NotifyTarget } from '../../platform/notifications/deliverOnce.ts';
import { retryAfterOf } from '../../platform/notifications/types.ts';
import { pace } from '../../platform/limits/pacer.ts';
import type { ChatPlatform } from '../../platform/identity/ensureUser.ts';
import { defineWorker } from '../defineWorker.ts';
import type { WorkerDeps } from '../workerDeps.ts';

/** Messages a second the notify worker sends on each transport (NOTIFY_RATE); a transport left out is not paced. */
export type NotifyRate = Partial<Record<ChatPlatform, number>>;

/**
 * Times one job run waits as it is told before trying again (a transport's 429 `retry_after`,
 * another sender's claim running out); after that the queue's backoff takes over.
 */
const WAITS_PER_RUN = 5;

const transportOf = (target: NotifyTarget): ChatPlatform => ('identity' in target ? target.identity.platform : target.transport);

/**
 * `notify`: delivers platform messages exactly once (see `deliverOnce`), each transport at its
 * own rate (`deps.notifyPacing`, from NOTIFY_RATE). The pace is kept in Redis, so it holds
 * across every worker process; a job waits for its transport's next slot before it claims its
 * message, so Telegram messages waiting do not hold up Discord ones, and no claim is held while
 * waiting. About a second's worth of messages is in flight. A transport's "retry after" (a 429
 * past the pace, e.g. from the bots' own replies on the same token) is waited out without
 * holding the claim, and a message another sender holds is tried again when that claim would
 * run out: jobs of a killed worker are back within about 15 s (10 s lock) and take its messages
 * over as soon as its claims lapse (15 s), not after the queue's backoff behind everything waiting.
 */
export function createNotifyWorker(deps: WorkerDeps) {
  const pacing = deps.notifyPacing;
  const total = Object.values(pacing?.perSecond ?? {}).reduce((a, b) => a + b, 0);
  const concurrency = Math.min(100, Math.max(4, Math.ceil(total)));
  return defineWorker({
    name: 'notify',
    settings: deps.settings,
    log: deps.log,
    options: { concurrency, lockDuration: 10_000, stalledInterval: 5_000 },
    async process(job) {
      const transport = transportOf(job.data.target);
      const perSecond = pacing?.perSecond[transport];
      for (let retries = 0; ; retries++) {
        if (pacing && perSecond) await pace(pacing.pacer, `notify:${transport}`, perSecond);
        try {
          return { outcome: await deliverOnce(deps, job.data) };
        } catch (err) {
          const wait = retryAfterOf(err);
          if (wait === undefined || retries >= WAITS_PER_RUN) throw err;
          await new Promise((r) => setTimeout(r, wait));
        }
      }
    },
  });
}
