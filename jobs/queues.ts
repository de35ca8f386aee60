import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { ChatTarget } from '../platform/notifications/types.ts';
import type { QueuedNotification } from '../platform/jobsPort.ts';
import type { DeliverOnceResult } from '../platform/notifications/deliverOnce.ts';
import type { CatchUpReturnType } from '../platform/indexer/catchUp.ts';
import { QUEUE_NAMES } from './queueNames.ts';

/**
 * Every queue, with its job data and result types. Producers and workers import from here
 * only, so a queue's contract lives in one place.
 */
export type QueueContracts = {
  /** Fetch, validate, hash, encrypt and store an upload. */
  ingest: { data: { uploadId: string }; result: { status: 'accepted' | 'duplicate' | 'rejected'; datasetId?: number } };
  /** Route a stored dataset to review; or, with `round`, the timeout of a review round. */
  review: {
    data: { datasetId: number; round?: number | undefined };
    result: { status: 'approved' | 'rejected' | 'pending_review' | 'offered'; offered: number };
  };
  /** Register an approved dataset, or a trained assistant with its lineage, on-chain and issue its receipts. */
  mint: {
    data: { datasetId: number } | { assistantId: number; replyTarget?: ChatTarget | undefined };
    result: { chainAssetId: string };
  };
  /** Fine-tune an assistant's model on its datasets (resumable from checkpoints). */
  finetune: {
    data: { assistantId: number; replyTarget?: ChatTarget | undefined };
    result: { steps: number; finalLoss: number; resumed: boolean };
  };
  /** Deliver one platform message exactly once. */
  notify: { data: QueuedNotification; result: { outcome: DeliverOnceResult } };
  /** Index the chain until caught up (repeated every INDEXER_INTERVAL): events, receipt holders, earnings, licenses. */
  index: { data: Record<string, never>; result: CatchUpReturnType };
  /** Attempt one webhook delivery; or, with `sweep`, queue the due deliveries whose job was lost (repeated every WEBHOOK_SWEEP_INTERVAL). */
  webhook: { data: { deliveryId: number } | { sweep: true }; result: { outcome: string; queued?: number | undefined } };
  /** Post a proposal to the governance channels and bring its posts up to date; or, with `sweep`, every proposal (repeated every GOVERNANCE_SWEEP_INTERVAL). */
  governance: {
    data: { proposal: string } | { sweep: true };
    result: { posted: number; edited: number; closed: number; waitMs?: number | undefined };
  };
};

export type QueueName = keyof QueueContracts;
export type JobData<Q extends QueueName> = QueueContracts[Q]['data'];
export type JobResult<Q extends QueueName> = QueueContracts[Q]['result'];

export { QUEUE_NAMES };

/** Compile-time check that every contract has a name in QUEUE_NAMES and every name a contract. */
type SameMembers<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const queueNamesMatchContracts: SameMembers<QueueName, (typeof QUEUE_NAMES)[number]> = true;

/** Retries with exponential backoff, and keeps finished jobs for a while for inspection. */
export const defaultJobOptions: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export type QueueSettings = { connection: ConnectionOptions; prefix: string };

export type Queues = { [Q in QueueName]: Queue<JobData<Q>, JobResult<Q>, string> } & { close(): Promise<void> };

/** Opens a producer handle for every queue. */
export function createQueues(settings: QueueSettings): Queues {
  const make = <Q extends QueueName>(name: Q) => {
    const queue = new Queue<JobData<Q>, JobResult<Q>, string>(name, {
      connection: settings.connection,
      prefix: settings.prefix,
      defaultJobOptions,
    });
    // A lost Redis connection is retried by ioredis; it must not be an unhandled 'error' event.
    queue.on('error', () => {});
    return queue;
  };
  const queues = {
    ingest: make('ingest'),
    review: make('review'),
    mint: make('mint'),
    finetune: make('finetune'),
    notify: make('notify'),
    index: make('index'),
    webhook: make('webhook'),
    governance: make('governance'),
  };
  return {
    ...queues,
    async close() {
      await Promise.all(Object.values(queues).map((q) => q.close()));
    },
  };
}

/** Redis connection settings BullMQ needs (workers block, so no per-request retry limit). */
export function redisConnection(url: string): ConnectionOptions {
  return { url, maxRetriesPerRequest: null };
}
