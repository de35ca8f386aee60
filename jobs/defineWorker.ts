import { UnrecoverableError, Worker, type Job, type WorkerOptions } from 'bullmq';
import { BaseError } from '../platform/errors.ts';
import type { Logger } from '../platform/log.ts';
import type { JobData, JobResult, QueueName, QueueSettings } from './queues.ts';

export type Processor<Q extends QueueName> = (
  job: Job<JobData<Q>, JobResult<Q>, string>,
  token: string | undefined,
  signal: AbortSignal | undefined,
) => Promise<JobResult<Q>>;

export type DefineWorkerParameters<Q extends QueueName> = {
  name: Q;
  settings: QueueSettings;
  log: Logger;
  process: Processor<Q>;
  /** Called once when a job will not be retried again (unrecoverable or out of attempts). */
  onGiveUp?: (job: Job<JobData<Q>, JobResult<Q>, string>, err: Error) => Promise<void>;
  options?: Partial<Omit<WorkerOptions, 'connection' | 'prefix'>>;
};

/**
 * Starts a BullMQ worker whose errors steer the job: a `BaseError` that is not retryable
 * becomes `UnrecoverableError` (no more attempts); anything else is retried with backoff.
 * Every error event is logged, never left unhandled.
 */
export function defineWorker<Q extends QueueName>(params: DefineWorkerParameters<Q>): Worker<JobData<Q>, JobResult<Q>, string> {
  const log = params.log.child({ queue: params.name });
  const worker = new Worker<JobData<Q>, JobResult<Q>, string>(
    params.name,
    async (job, token, signal) => {
      try {
        return await params.process(job, token, signal);
      } catch (err) {
        if (err instanceof BaseError && !err.retryable) {
          const final = new UnrecoverableError(err.shortMessage);
          final.cause = err;
          throw final;
        }
        throw err;
      }
    },
    { connection: params.settings.connection, prefix: params.settings.prefix, concurrency: 4, ...params.options },
  );
  worker.on('failed', (job, err) => {
    if (!job || err.name === 'WaitingError') return;
    const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    log.warn({ jobId: job.id, attempt: job.attemptsMade, final, err: err.message }, 'job failed');
    if (final && params.onGiveUp)
      params.onGiveUp(job, (err.cause as Error | undefined) ?? err).catch((e: unknown) =>
        log.error({ jobId: job.id, err: e }, 'give-up handler failed'),
      );
  });
  worker.on('error', (err) => log.error({ err }, 'worker error'));
  return worker;
}
