import type { ChatTarget } from './notifications/types.ts';
import type { NotifyTarget } from './notifications/deliverOnce.ts';
import type { Reply } from './chat/reply.ts';

/** A webhook delivery to attempt when due: its id, and the attempts and due time it was queued at (they make the job's id). */
export type QueuedWebhookDelivery = { id: number; attempts: number; nextAttemptAt: Date };

/** A message to deliver exactly once; pictures are not queued (they are delivered where they are made). */
export type QueuedNotification = { key: string; target: NotifyTarget; reply: Omit<Reply, 'image'> };

/**
 * How domain actions start background work without knowing the queue library: the `jobs/`
 * folder implements it over BullMQ. Every method is idempotent: the same work asked twice is
 * queued once.
 */
export type JobsPort = {
  /** Fetch, validate, encrypt and store an upload. */
  ingest(uploadId: string): Promise<void>;
  /** Route a stored dataset to review (validators, or automatic approval without them). */
  review(datasetId: number): Promise<void>;
  /** Check, after `delayMs`, whether review round `round` of a dataset finished; offer it to others if not. */
  reviewTimeout(datasetId: number, round: number, delayMs: number): Promise<void>;
  /** Register an approved dataset on-chain and issue its receipts. */
  mintDataset(datasetId: number): Promise<void>;
  /** Register a trained assistant on-chain with its lineage and issue its creator receipt. */
  mintAssistant(assistantId: number, replyTarget?: ChatTarget | undefined): Promise<void>;
  /** Fine-tune an assistant (resumes from its last checkpoint if interrupted). */
  finetune(assistantId: number, replyTarget?: ChatTarget | undefined): Promise<void>;
  /** Deliver one message exactly once. */
  notify(message: QueuedNotification): Promise<void>;
  /** Attempt a webhook delivery at its `nextAttemptAt` (queued once per attempt). */
  webhook(delivery: QueuedWebhookDelivery): Promise<void>;
  /**
   * Post a proposal to the governance channels and update its posts at `dueAtMs` (epoch ms);
   * requests for the same proposal and time are one job, so callers coalesce bursts by rounding
   * the time up (see `coalescedDueAt`).
   */
  governancePosts(proposal: string, dueAtMs: number): Promise<void>;
};
