import { and, eq, ne, sql } from 'drizzle-orm';
import type { AesKey } from '../crypto/aead.ts';
import type { Db } from '../db/client.ts';
import { webhookDeliveries, webhooks } from '../db/schema.ts';
import { describeError } from '../errors.ts';
import type { JobsPort } from '../jobsPort.ts';
import type { Logger } from '../log.ts';
import { postWebhook } from './postWebhook.ts';
import { signWebhookPayload } from './signature.ts';
import { MAX_RETRY_DELAY_MS, type WebhookSettings } from './types.ts';
import { openWebhookSecret } from './webhookSecret.ts';

/** How long one attempt may take. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** How long a sender's claim holds: longer than an attempt can take, so a live sender never loses it. */
export const WEBHOOK_CLAIM_LEASE_MS = 60_000;

export type DeliverWebhookDeps = {
  db: Db;
  masterKey: AesKey;
  settings: Pick<WebhookSettings, 'allowPrivateHosts' | 'retryBaseMs' | 'maxAttempts'>;
  /** Queues the next attempt of a delivery that failed; without it the sweep does. */
  jobs?: Partial<Pick<JobsPort, 'webhook'>> | undefined;
  log?: Logger | undefined;
  /** Overrides for tests. */
  timeoutMs?: number | undefined;
  claimLeaseMs?: number | undefined;
};

export type DeliverWebhookResult =
  | { outcome: 'delivered'; attempts: number; status: number }
  | { outcome: 'retry'; attempts: number; status: number | null; error: string; nextAttemptAt: Date }
  | { outcome: 'failed'; attempts: number; status: number | null; error: string }
  /**
   * Nothing sent: `done` already delivered or given up; `busy` another sender holds it (its
   * claim runs out in `waitMs`); `not_due` its next attempt is in `waitMs`; `missing` no such
   * delivery; `superseded` the attempt was made but meanwhile the webhook was deleted or the
   * claim taken over, so its result was not recorded.
   */
  | { outcome: 'skipped'; reason: 'done' | 'busy' | 'not_due' | 'missing' | 'superseded'; waitMs?: number | undefined };

/** The wait before attempt `attempts + 1`: `retryBaseMs` × 2^(attempts − 1), at most an hour. */
export const retryDelayMs = (retryBaseMs: number, attempts: number) => Math.min(MAX_RETRY_DELAY_MS, retryBaseMs * 2 ** Math.max(0, attempts - 1));

type ClaimedRow = {
  id: number;
  webhook_id: number;
  event_id: string;
  event_type: string;
  payload: unknown;
  attempts: number;
  created_at: Date | string;
  /** The claim's own timestamp, as PostgreSQL wrote it: results are recorded only while it stands. */
  claim: string;
};

/**
 * Makes one attempt at a due webhook delivery. The delivery is claimed first (a compare-and-set
 * on its row: pending, due, and unclaimed or claimed longer than the lease ago, which takes over
 * from a sender that died), so two workers never send it at once. It is POSTed as JSON
 * `{id, type, createdAt, data}` with `Caravan-Event-Id`, `Caravan-Event-Type` and
 * `Caravan-Signature` (`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, see `signature.ts`).
 * A 2xx marks it delivered: it is never sent again. Anything else is recorded (status, error)
 * and the next attempt is due after `retryBaseMs` × 2^(n − 1) (queued through `jobs`), until
 * `maxAttempts` attempts were made: then it is `failed`.
 */
export async function deliverWebhook(deps: DeliverWebhookDeps, params: { deliveryId: number }): Promise<DeliverWebhookResult> {
  const { db, settings } = deps;
  const leaseMs = deps.claimLeaseMs ?? WEBHOOK_CLAIM_LEASE_MS;
  // A plain UPDATE … WHERE is the compare-and-set: a concurrent claimer waits for the row, then
  // sees the claim just made and matches nothing.
  const claimed = await db.execute<ClaimedRow>(sql`
    update ${webhookDeliveries} set claimed_at = clock_timestamp(), attempts = attempts + 1
    where id = ${params.deliveryId} and status = 'pending' and next_attempt_at <= now()
      and (claimed_at is null or claimed_at < now() - make_interval(secs => ${leaseMs / 1000}))
    returning id, webhook_id, event_id, event_type, payload, attempts, created_at, claimed_at::text as claim`);
  const row = claimed.rows[0];
  if (!row) return whyNotClaimed(db, params.deliveryId, leaseMs);

  const [webhook] = await db.select().from(webhooks).where(eq(webhooks.id, row.webhook_id));
  const mine = and(eq(webhookDeliveries.id, row.id), eq(webhookDeliveries.status, 'pending'), sql`${webhookDeliveries.claimedAt} = ${row.claim}::timestamptz`);
  if (!webhook || webhook.deletedAt) {
    await db.update(webhookDeliveries).set({ status: 'failed', claimedAt: null, lastError: 'webhook deleted' }).where(mine);
    return { outcome: 'failed', attempts: row.attempts, status: null, error: 'webhook deleted' };
  }

  const body = JSON.stringify({ id: row.event_id, type: row.event_type, createdAt: new Date(row.created_at).toISOString(), data: row.payload });
  let sent: { status: number | null; error: string | null };
  try {
    const secret = openWebhookSecret(deps.masterKey, webhook.publicId, webhook.secretSealed);
    sent = await postWebhook({
      url: webhook.url,
      body,
      headers: {
        'Caravan-Event-Id': row.event_id,
        'Caravan-Event-Type': row.event_type,
        'Caravan-Delivery-Attempt': String(row.attempts),
        'Caravan-Signature': signWebhookPayload(secret, body, Math.floor(Date.now() / 1000)),
      },
      timeoutMs: deps.timeoutMs ?? WEBHOOK_TIMEOUT_MS,
      allowPrivateHosts: settings.allowPrivateHosts,
    });
  } catch (err) {
    sent = { status: null, error: describeError(err) };
  }

  if (sent.error === null) {
    // Received is received, whoever holds the claim now: it is never sent again.
    await db
      .update(webhookDeliveries)
      .set({ status: 'delivered', deliveredAt: sql`now()`, claimedAt: null, lastStatus: sent.status, lastError: null })
      .where(and(eq(webhookDeliveries.id, row.id), ne(webhookDeliveries.status, 'delivered')));
    deps.log?.debug({ delivery: row.id, event: row.event_id, attempts: row.attempts }, 'webhook delivered');
    return { outcome: 'delivered', attempts: row.attempts, status: sent.status! };
  }

  const error = sent.error.slice(0, 500);
  if (row.attempts >= settings.maxAttempts) {
    const [gaveUp] = await db
      .update(webhookDeliveries)
      .set({ status: 'failed', claimedAt: null, lastStatus: sent.status, lastError: error })
      .where(mine)
      .returning({ id: webhookDeliveries.id });
    if (!gaveUp) return { outcome: 'skipped', reason: 'superseded' };
    deps.log?.warn({ delivery: row.id, event: row.event_id, attempts: row.attempts, error }, 'webhook delivery given up');
    return { outcome: 'failed', attempts: row.attempts, status: sent.status, error };
  }
  const delayMs = retryDelayMs(settings.retryBaseMs, row.attempts);
  const [retry] = await db
    .update(webhookDeliveries)
    .set({ claimedAt: null, lastStatus: sent.status, lastError: error, nextAttemptAt: sql`now() + make_interval(secs => ${delayMs / 1000})` })
    .where(mine)
    .returning({ nextAttemptAt: webhookDeliveries.nextAttemptAt });
  if (!retry) return { outcome: 'skipped', reason: 'superseded' };
  await deps.jobs?.webhook?.({ id: row.id, attempts: row.attempts, nextAttemptAt: retry.nextAttemptAt });
  deps.log?.debug({ delivery: row.id, event: row.event_id, attempts: row.attempts, error, delayMs }, 'webhook delivery failed; retrying');
  return { outcome: 'retry', attempts: row.attempts, status: sent.status, error, nextAttemptAt: retry.nextAttemptAt };
}

async function whyNotClaimed(db: Db, deliveryId: number, leaseMs: number): Promise<DeliverWebhookResult> {
  const found = await db.execute<{ status: string; due_ms: number; lease_left_ms: number | null }>(sql`
    select status,
           greatest(0, extract(epoch from next_attempt_at - now()) * 1000)::float8 as due_ms,
           greatest(0, extract(epoch from claimed_at + make_interval(secs => ${leaseMs / 1000}) - now()) * 1000)::float8 as lease_left_ms
    from ${webhookDeliveries} where id = ${deliveryId}`);
  const r = found.rows[0];
  if (!r) return { outcome: 'skipped', reason: 'missing' };
  if (r.status !== 'pending') return { outcome: 'skipped', reason: 'done' };
  if (Number(r.due_ms) > 0) return { outcome: 'skipped', reason: 'not_due', waitMs: Math.ceil(Number(r.due_ms)) };
  return { outcome: 'skipped', reason: 'busy', waitMs: Math.ceil(Number(r.lease_left_ms ?? 0)) };
}
