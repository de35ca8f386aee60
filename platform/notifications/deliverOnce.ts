import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { notifications } from '../db/schema.ts';
import { isRecipientUnreachable, type ChatOutbox, type ChatTarget } from './types.ts';
import type { ChatPlatform } from '../identity/ensureUser.ts';
import { controlsOf, type Reply, type ReplyControls } from '../chat/reply.ts';
import { BaseError, type BaseErrorParameters } from '../errors.ts';

/** Another sender holds the claim on this message; try again after its lease. */
export class DeliveryInFlightError extends BaseError {
  override name = 'DeliveryInFlightError' as const;
  /** Milliseconds until that claim runs out unless its sender renews it (see `retryAfterOf`). */
  readonly retryAfterMs: number | undefined;
  constructor(shortMessage: string, params: BaseErrorParameters & { retryAfterMs?: number | undefined } = {}) {
    super(shortMessage, params);
    this.retryAfterMs = params.retryAfterMs;
  }
}

export type DeliverOnceDeps = {
  db: Db;
  outbox: ChatOutbox;
  /** How long a claim holds without renewal (default `CLAIM_LEASE_SECONDS`); a live sender renews it every third of that. */
  claimLeaseSeconds?: number | undefined;
};

/** Where a notification goes: a chat (or one message in it, to edit), or a person's private chat. */
export type NotifyTarget = ChatTarget | { identity: { platform: ChatPlatform; externalId: string } };

export type DeliverOnceParameters = {
  /** Idempotency key: one key, one delivered message, however often this is called. */
  key: string;
  target: NotifyTarget;
  /** Text, a card, controls, and a picture (Discord also replaces the picture of a message it edits). */
  reply: Reply;
};

/**
 * `inbox`: the message waits in the person's web inbox, not sent (again) on their transport:
 * the recipient cannot be reached there (DMs closed, bot blocked), or a sender died while sending
 * it on a transport that cannot drop a repeat, so whether it arrived is unknown.
 */
export type DeliverOnceResult = 'sent' | 'already_sent' | 'inbox';

/** How long a sender's claim holds without renewal before another may take the message over. */
export const CLAIM_LEASE_SECONDS = 15;

type ClaimedRow = {
  id: number;
  target: unknown;
  text: string;
  controls: unknown;
  image_png: Buffer | null;
  image_name: string | null;
  /** The status before this claim: `sending` means a sender died holding it (its lease ran out). */
  previous: string;
  /** Milliseconds since that sender last renewed its claim. */
  idle_ms: number | null;
};

/**
 * Delivers a platform message once per key: the message is recorded, then claimed by exactly
 * one sender (a row-level compare-and-set), sent, and marked sent; every other or later call
 * does nothing. A failed send releases the claim for a retry. A live sender renews its claim
 * while it sends; a claim left by a sender that died (not renewed for the lease) is taken over.
 * Whether the dead sender's message arrived is then unknown, so it is sent again only where
 * that cannot show twice: an edit, or a transport that drops a repeated send with the same
 * key (Discord's nonce, within its window). Otherwise (Telegram) it is not sent again but kept
 * for the person's web inbox (`'inbox'`): a message in doubt is never shown twice.
 */
export async function deliverOnce(deps: DeliverOnceDeps, params: DeliverOnceParameters): Promise<DeliverOnceResult> {
  const { db, outbox } = deps;
  const leaseSeconds = deps.claimLeaseSeconds ?? CLAIM_LEASE_SECONDS;
  await db
    .insert(notifications)
    .values({
      key: params.key,
      target: params.target,
      text: params.reply.text,
      imagePng: params.reply.image ? Buffer.from(params.reply.image.png) : null,
      imageName: params.reply.image?.fileName ?? null,
      // A card (Discord's embed) is kept with the controls: a message taken over after a crash shows the same.
      controls: params.reply.card ? { ...(controlsOf(params.reply) ?? {}), card: params.reply.card } : controlsOf(params.reply),
    })
    .onConflictDoNothing({ target: notifications.key });
  // The row is locked first, so `old` is the state this claim replaces, even under a race.
  const claimed = await db.execute<ClaimedRow>(sql`
    with old as (
      select id, status, claimed_at from ${notifications} where ${notifications.key} = ${params.key} for update
    )
    update ${notifications} n set status = 'sending', claimed_at = now(), attempts = n.attempts + 1
    from old
    where n.id = old.id and (old.status = 'pending' or
          (old.status = 'sending' and old.claimed_at < now() - make_interval(secs => ${leaseSeconds})))
    returning n.id, n.target, n.text, n.controls, n.image_png, n.image_name, old.status as previous,
              (extract(epoch from now() - old.claimed_at) * 1000)::float8 as idle_ms`);
  const row = claimed.rows[0];
  if (!row) {
    const [current] = await db
      .select({
        status: notifications.status,
        leftMs: sql<number>`greatest(0, extract(epoch from ${notifications.claimedAt} + make_interval(secs => ${leaseSeconds}) - now()) * 1000)::float8`,
      })
      .from(notifications)
      .where(eq(notifications.key, params.key));
    if (current?.status === 'sent' || current?.status === 'inbox') return 'already_sent';
    // Retrying when the claim would run out takes a dead sender's message over at once, within
    // Discord's nonce window; a queue's backoff could put it behind everything waiting.
    throw new DeliveryInFlightError(`Message ${params.key} is being sent by another worker.`, {
      retryable: true,
      retryAfterMs: Math.ceil(Number(current?.leftMs ?? 0)) + 100,
    });
  }
  const stored = row.target as NotifyTarget;
  const reply: Reply = {
    text: row.text,
    ...((row.controls as (ReplyControls & Pick<Reply, 'card'>) | null) ?? {}),
    ...(row.image_png ? { image: { png: row.image_png, fileName: row.image_name ?? 'image.png' } } : {}),
  };
  const transport = 'identity' in stored ? stored.identity.platform : stored.transport;
  const isEdit = !('identity' in stored) && Boolean(stored.messageId);
  if (row.previous === 'sending' && !isEdit) {
    const window = outbox.idempotentSendWindowMs?.(transport) ?? 0;
    if (!(Number(row.idle_ms) < window)) {
      const error = `A sender stopped while sending this message, and sending it again on ${transport} could show it twice; it waits in the web inbox instead.`;
      await db.update(notifications).set({ status: 'inbox', claimedAt: null, error }).where(eq(notifications.id, row.id));
      return 'inbox';
    }
  }
  // A live sender keeps its claim while it waits (rate limits, a slow network).
  const renew = setInterval(() => {
    db.update(notifications)
      .set({ claimedAt: sql`now()` })
      .where(and(eq(notifications.id, row.id), eq(notifications.status, 'sending')))
      .catch(() => {});
  }, (leaseSeconds * 1000) / 3);
  renew.unref();
  try {
    const target = 'identity' in stored ? await outbox.directChat(stored.identity) : stored;
    if (target.messageId) await outbox.edit({ ...target, messageId: target.messageId }, reply);
    else await outbox.send(target, reply, { idempotencyKey: params.key });
  } catch (err) {
    clearInterval(renew);
    if (isRecipientUnreachable(err)) {
      // Retrying cannot help: the message is kept for the person's web inbox, and never sent again.
      await db
        .update(notifications)
        .set({ status: 'inbox', claimedAt: null, error: String((err as Error).message ?? err) })
        .where(eq(notifications.id, row.id));
      return 'inbox';
    }
    await db
      .update(notifications)
      .set({ status: 'pending', claimedAt: null, error: String((err as Error).message ?? err) })
      .where(eq(notifications.id, row.id));
    throw err;
  }
  clearInterval(renew);
  await db.update(notifications).set({ status: 'sent', sentAt: new Date(), error: null }).where(eq(notifications.id, row.id));
  return 'sent';
}
