import { Queue } from 'bullmq';
import { postProposals } from '../../governance/channel/postProposals.ts';
import { refreshPosts } from '../../governance/channel/refreshPosts.ts';
import { defineWorker } from '../defineWorker.ts';
import type { JobData, JobResult, QueueSettings } from '../queues.ts';
import type { WorkerDeps } from '../workerDeps.ts';

/** Id of the job scheduler that queues a sweep every GOVERNANCE_SWEEP_INTERVAL. */
export const GOVERNANCE_SWEEP_SCHEDULER_ID = 'governance-sweep';

/**
 * `governance`: keeps the governance channels' posts (GOVERNANCE_CHANNELS) in step with the hub.
 * A job for one proposal (queued after the hub accepts it, and at the end of each edit interval
 * in which it got votes) posts it where it is not yet posted and updates its posts; a post that
 * may not be edited yet queues the job again for when it may. A sweep every
 * GOVERNANCE_SWEEP_INTERVAL does the same for every proposal and closes those whose voting
 * ended, so nothing waits on a lost job, a crash or a restart. Posts are sent once and results
 * once (see `postProposals` and `refreshPosts`), so a job run twice changes nothing twice.
 */
export function createGovernanceWorker(deps: WorkerDeps) {
  const channel = deps.governanceChannels;
  const log = deps.log.child({ component: 'governance-channels' });
  const worker = defineWorker({
    name: 'governance',
    settings: deps.settings,
    log: deps.log,
    options: { concurrency: 4 },
    async process(job) {
      if (!channel || !channel.deps.channels.length) return { posted: 0, edited: 0, closed: 0 };
      const proposal = 'proposal' in job.data ? job.data.proposal : undefined;
      const posted = await postProposals(channel.deps, { proposal });
      const refreshed = await refreshPosts(channel.deps, { proposal });
      if (proposal && refreshed.waitMs !== undefined) await deps.jobs.governancePosts(proposal, Date.now() + refreshed.waitMs);
      return { posted: posted.posted, ...refreshed };
    },
  });
  if (channel?.deps.channels.length)
    scheduleGovernanceSweep(deps.settings, channel.sweepIntervalMs).catch((err: unknown) => log.error({ err }, 'could not schedule the governance sweep'));
  return worker;
}

/** Creates or updates the scheduler that queues a sweep every `everyMs` (idempotent across restarts). */
export async function scheduleGovernanceSweep(settings: QueueSettings, everyMs: number): Promise<void> {
  const queue = new Queue<JobData<'governance'>, JobResult<'governance'>, string>('governance', { connection: settings.connection, prefix: settings.prefix });
  queue.on('error', () => {});
  try {
    await queue.upsertJobScheduler(
      GOVERNANCE_SWEEP_SCHEDULER_ID,
      { every: everyMs },
      { name: 'governance-sweep', data: { sweep: true }, opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } },
    );
  } finally {
    await queue.close();
  }
}
