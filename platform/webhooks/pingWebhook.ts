import crypto from 'node:crypto';
import type { Db } from '../db/client.ts';
import { webhookDeliveries } from '../db/schema.ts';
import type { JobsPort } from '../jobsPort.ts';
import { findOwnWebhook } from './findOwnWebhook.ts';
import { PING_EVENT_TYPE } from './types.ts';

/**
 * Sends a `ping` event to one of the user's webhooks (whatever it subscribed to), to try a
 * receiver and its signature check; it is delivered and retried like any event.
 * @returns the ping's event id
 * @throws NotFoundError for someone else's webhook (or a deleted one)
 */
export async function pingWebhook(
  deps: { db: Db; jobs?: Partial<Pick<JobsPort, 'webhook'>> | undefined },
  params: { userId: number; webhookId: string },
): Promise<{ eventId: string }> {
  const webhook = await findOwnWebhook(deps, params);
  // Each ping is an event of its own (a person asked for it), so its id is random.
  const eventId = `ping:${crypto.randomUUID()}`;
  const [row] = await deps.db
    .insert(webhookDeliveries)
    .values({ webhookId: webhook.id, eventId, eventType: PING_EVENT_TYPE, payload: { webhook: webhook.publicId } })
    .returning();
  await deps.jobs?.webhook?.({ id: row!.id, attempts: row!.attempts, nextAttemptAt: row!.nextAttemptAt });
  return { eventId };
}
