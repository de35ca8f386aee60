import { sql } from 'drizzle-orm';
import { webhookDeliveries, webhooks } from '../db/schema.ts';
import type { QueuedWebhookDelivery } from '../jobsPort.ts';
import type { EmitWebhookDeps, WebhookEvent } from './types.ts';

/**
 * Records one delivery of `event` for each of the user's live webhooks subscribed to its type,
 * exactly once per event id (a delivery that exists is left as it is: emitting again, from a
 * retried job or a replayed reorg, adds nothing), and queues them. Inside a transaction pass no
 * `jobs`: the deliveries commit with the event and the sweep queues them (see
 * `sweepWebhookDeliveries`).
 * @returns the deliveries created now
 */
export async function emitWebhookEvent(deps: EmitWebhookDeps, event: WebhookEvent): Promise<QueuedWebhookDelivery[]> {
  const created = await deps.db.execute<{ id: number; attempts: number; next_attempt_at: Date | string }>(sql`
    insert into ${webhookDeliveries} (webhook_id, event_id, event_type, payload)
    select ${webhooks.id}, ${event.eventId}, ${event.type}, ${JSON.stringify(event.data)}::jsonb
    from ${webhooks}
    where ${webhooks.userId} = ${event.userId} and ${webhooks.deletedAt} is null and ${event.type} = any(${webhooks.events})
    on conflict (webhook_id, event_id) do nothing
    returning id, attempts, next_attempt_at`);
  const queued = created.rows.map((r) => ({ id: r.id, attempts: r.attempts, nextAttemptAt: new Date(r.next_attempt_at) }));
  if (deps.jobs?.webhook) for (const d of queued) await deps.jobs.webhook(d);
  return queued;
}
