import type { Db, DbOrTx } from '../db/client.ts';
import type { JobsPort } from '../jobsPort.ts';

/** The events a webhook can subscribe to. */
export const WEBHOOK_EVENT_TYPES = ['finetune.finished', 'license.bought', 'earning.credited', 'dataset.reviewed'] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** A test delivery (`POST /v1/webhooks/{id}/test`): sent to that webhook whatever it subscribed to. */
export const PING_EVENT_TYPE = 'ping';

/**
 * Something that happened to one user, for their webhooks. `eventId` is derived from what
 * happened (`dataset.reviewed:ds_4k9x2m7qa1`), never random: emitting it again (a retried job,
 * a reorg replayed) delivers nothing new.
 */
export type WebhookEvent = {
  userId: number;
  type: WebhookEventType;
  eventId: string;
  data: Record<string, unknown>;
};

/** How webhooks are delivered (from WEBHOOK_* settings). */
export type WebhookSettings = {
  /** Whether URLs may point at loopback and private networks (dev and tests; off in production). */
  allowPrivateHosts: boolean;
  /** First retry delay; each further one doubles, up to `MAX_RETRY_DELAY_MS`. */
  retryBaseMs: number;
  /** Attempts before a delivery is given up (`failed`). */
  maxAttempts: number;
  /** How often pending deliveries whose job was lost are queued again. */
  sweepIntervalMs: number;
};

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = { allowPrivateHosts: false, retryBaseMs: 10_000, maxAttempts: 8, sweepIntervalMs: 5_000 };

/** The longest wait between two attempts. */
export const MAX_RETRY_DELAY_MS = 3_600_000;

/** What emitting needs: the database (or the transaction the event happens in) and, to send at once, the queue. */
export type EmitWebhookDeps = {
  db: DbOrTx;
  /** Without it (inside a transaction) the deliveries wait for the next sweep. */
  jobs?: Partial<Pick<JobsPort, 'webhook'>> | undefined;
};

export type WebhookDeps = { db: Db };
