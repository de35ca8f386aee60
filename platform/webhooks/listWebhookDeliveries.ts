import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { webhookDeliveries } from '../db/schema.ts';
import { findOwnWebhook } from './findOwnWebhook.ts';

export type WebhookDeliveryInfo = {
  /** The event's id (`Caravan-Event-Id`): one delivery per event and webhook. */
  eventId: string;
  type: string;
  status: 'pending' | 'delivered' | 'failed';
  /** Attempts made so far. */
  attempts: number;
  /** The HTTP status of the last attempt (null when it got no answer). */
  lastStatus: number | null;
  /** Why the last attempt failed (null after a success). */
  lastError: string | null;
  /** When the next attempt is due (pending deliveries only). */
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
};

/**
 * Deliveries to one of the user's webhooks, newest first, with their status and last attempt.
 * @throws NotFoundError for someone else's webhook (or a deleted one)
 */
export async function listWebhookDeliveries(
  deps: { db: Db },
  params: { userId: number; webhookId: string; /** Internal id to continue after (pagination). */ before?: number | undefined; limit?: number | undefined },
): Promise<{ deliveries: WebhookDeliveryInfo[]; last: number | null }> {
  const webhook = await findOwnWebhook(deps, params);
  const limit = params.limit ?? 100;
  const rows = await deps.db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.webhookId, webhook.id), params.before ? lt(webhookDeliveries.id, params.before) : undefined))
    .orderBy(desc(webhookDeliveries.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return {
    deliveries: page.map((r) => ({
      eventId: r.eventId,
      type: r.eventType,
      status: r.status,
      attempts: r.attempts,
      lastStatus: r.lastStatus,
      lastError: r.lastError,
      nextAttemptAt: r.status === 'pending' ? r.nextAttemptAt : null,
      deliveredAt: r.deliveredAt,
      createdAt: r.createdAt,
    })),
    last: rows.length > limit ? page.at(-1)!.id : null,
  };
}
