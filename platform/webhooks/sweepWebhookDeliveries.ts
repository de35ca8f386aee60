import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { webhookDeliveries } from '../db/schema.ts';
import type { JobsPort } from '../jobsPort.ts';
import { WEBHOOK_CLAIM_LEASE_MS } from './deliverWebhook.ts';

/** Deliveries queued per sweep; the next sweep takes the rest. */
const BATCH = 500;

/**
 * Queues every pending delivery that is due and not held by a live sender: those emitted inside
 * a transaction (the indexer's), and those whose job was lost (Redis flushed, a crash between
 * recording an attempt and queueing the next). The job id is derived from the delivery's attempts
 * and due time, so a delivery whose job is still queued is not queued twice.
 * @returns how many were queued
 */
export async function sweepWebhookDeliveries(
  deps: { db: Db; jobs: Pick<JobsPort, 'webhook'>; claimLeaseMs?: number | undefined },
): Promise<number> {
  const leaseMs = deps.claimLeaseMs ?? WEBHOOK_CLAIM_LEASE_MS;
  const due = await deps.db.execute<{ id: number; attempts: number; next_attempt_at: Date | string }>(sql`
    select id, attempts, next_attempt_at from ${webhookDeliveries}
    where status = 'pending' and next_attempt_at <= now()
      and (claimed_at is null or claimed_at < now() - make_interval(secs => ${leaseMs / 1000}))
    order by next_attempt_at limit ${BATCH}`);
  for (const r of due.rows) await deps.jobs.webhook({ id: r.id, attempts: r.attempts, nextAttemptAt: new Date(r.next_attempt_at) });
  return due.rows.length;
}
