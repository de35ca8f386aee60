import { Queue } from 'bullmq';
import { catchUp } from '../../platform/indexer/catchUp.ts';
import { notifyEarnings } from '../../platform/earnings/notifyEarnings.ts';
import { remindExpiringLicenses } from '../../platform/money/remindExpiringLicenses.ts';
import { advanceTreasury } from '../../governance/treasury/advanceTreasury.ts';
import { announceTreasurySteps } from '../../governance/treasury/announceTreasurySteps.ts';
import { remindAliasRenewals } from '../../governance/alias/remindAliasRenewals.ts';
import { defineWorker } from '../defineWorker.ts';
import type { JobData, JobResult, QueueSettings } from '../queues.ts';
import type { WorkerDeps } from '../workerDeps.ts';

/** Id of the job scheduler that queues an `index` job every INDEXER_INTERVAL. */
export const INDEX_SCHEDULER_ID = 'index-chain';

/**
 * `index`: runs the chain indexer until it is caught up (see `catchUp`), then queues the earnings
 * messages and license reminders it made due (see `notifyEarnings`) and moves the treasury's
 * proposals and phases along (see `advanceTreasury`) and reminds people whose voting alias ends
 * soon (see `remindAliasRenewals`), one job at a time so
 * passes never overlap in this process (across processes the indexer takes a database lock).
 * With `indexerIntervalMs`, a job scheduler queues a job that often; each is tried once, since the
 * next one comes soon anyway. Retryable errors (RPC down, a reorg while reading) are logged and the
 * next run continues.
 */
export function createIndexWorker(deps: WorkerDeps) {
  const log = deps.log.child({ component: 'indexer' });
  const worker = defineWorker({
    name: 'index',
    settings: deps.settings,
    log: deps.log,
    options: { concurrency: 1 },
    async process(_job, _token, signal) {
      const result = await catchUp({ db: deps.db, chain: deps.chain, log }, { signal });
      // What the pass recorded, told: earnings to their holders, licenses about to expire to theirs.
      if (deps.money) {
        await notifyEarnings({
          db: deps.db,
          jobs: deps.jobs,
          currencies: deps.money.currencies,
          digestWindowMs: deps.money.settings.digestWindowMs,
          log,
        });
        await remindExpiringLicenses(deps);
        // The treasury's lifecycle: due phase moves, passed proposals queued, queued ones executed.
        if (deps.chain.addresses.governor && deps.chain.addresses.handoverCharter) {
          const steps = await advanceTreasury({ db: deps.db, chain: deps.chain, currencies: deps.money.currencies, log });
          await announceTreasurySteps({ db: deps.db, jobs: deps.jobs, chainId: deps.chain.chainId, channels: deps.governanceChannels?.deps.channels }, steps);
        }
        await remindAliasRenewals(deps);
      }
      return result;
    },
  });
  if (deps.indexerIntervalMs)
    scheduleIndexing(deps.settings, deps.indexerIntervalMs).catch((err: unknown) => log.error({ err }, 'could not schedule the indexer'));
  return worker;
}

/** Creates or updates the scheduler that queues an `index` job every `everyMs` (idempotent across restarts). */
export async function scheduleIndexing(settings: QueueSettings, everyMs: number): Promise<void> {
  const queue = new Queue<JobData<'index'>, JobResult<'index'>, string>('index', { connection: settings.connection, prefix: settings.prefix });
  queue.on('error', () => {});
  try {
    await queue.upsertJobScheduler(
      INDEX_SCHEDULER_ID,
      { every: everyMs },
      { name: 'index', data: {}, opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } },
    );
  } finally {
    await queue.close();
  }
}
