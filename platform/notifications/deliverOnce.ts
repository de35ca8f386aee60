import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { notifications } from '../db/schema.ts';
import { isRecipientUnreachable, type ChatOutbox, type ChatTarget } from './types.ts';
import type { ChatPlatform } from '../identity/ensureUser.ts';
import { controlsOf, type Reply, type ReplyControls } from '../chat/reply.ts';
import { BaseError } from '../errors.ts';

/** Another sender holds the claim on this message; try again after its lease. */
export class DeliveryInFlightError extends BaseError {
  override name = 'DeliveryInFlightError' as const;
}

export type DeliverOnceDeps = { db: Db; outbox: ChatOutbox };

/** Where a notification goes: a chat (or one message in it, to edit), or a person's private chat. */
export type NotifyTarget = ChatTarget | { identity: { platform: ChatPlatform; externalId: string } };

export type DeliverOnceParameters = {
  /** Idempotency key: one key, one delivered message, however often this is called. */
  key: string;
  target: NotifyTarget;
  /** Text, controls, and a picture (sent with a new message, not with edits). */
  reply: Reply;
};

/** `inbox`: the recipient cannot be reached on their transport (DMs closed, bot blocked); the message waits in their web inbox. */
export type DeliverOnceResult = 'sent' | 'already_sent' | 'inbox';

/** How long a sender's claim holds before another may take the message over. */
export const CLAIM_LEASE_SECONDS = 60;

/**
 * Delivers a platform message once per key: the message is recorded, then claimed by exactly
 * one sender (a row-level compare-and-set), sent, and marked sent; every other or later call
 * does nothing. A failed send releases the claim for a retry. Only a sender that dies between
 * sending and marking can cause a repeat, after the lease; with `target.messageId` the
 * message is an edit, which repeats invisibly.
 */
export async function deliverOnce(deps: DeliverOnceDeps, params: DeliverOnceParameters): Promise<DeliverOnceResult> {
  const { db, outbox } = deps;
  await db
    .insert(notifications)
    .values({
      key: params.key,
      target: params.target,
      text: params.reply.text,
      imagePng: params.reply.image ? Buffer.from(params.reply.image.png) : null,
      imageName: params.reply.image?.fileName ?? null,
      controls: controlsOf(params.reply),
    })
    .onConflictDoNothing({ target: notifications.key });
  const [row] = await db
    .update(notifications)
    .set({ status: 'sending', claimedAt: sql`now()`, attempts: sql`${notifications.attempts} + 1` })
    .where(
      sql`${notifications.key} = ${params.key} and (${notifications.status} = 'pending' or
          (${notifications.status} = 'sending' and ${notifications.claimedAt} < now() - make_interval(secs => ${CLAIM_LEASE_SECONDS})))`,
    )
    .returning();
  if (!row) {
    const [current] = await db.select({ status: notifications.status }).from(notifications).where(eq(notifications.key, params.key));
    if (current?.status === 'sent' || current?.status === 'inbox') return 'already_sent';
    throw new DeliveryInFlightError(`Message ${params.key} is being sent by another worker.`, { retryable: true });
  }
  const stored = row.target as NotifyTarget;
  const reply: Reply = {
    text: row.text,
    ...((row.controls as ReplyControls | null) ?? {}),
    ...(row.imagePng ? { image: { png: row.imagePng, fileName: row.imageName ?? 'image.png' } } : {}),
  };
  try {
    const target = 'identity' in stored ? await outbox.directChat(stored.identity) : stored;
    if (target.messageId) await outbox.edit({ ...target, messageId: target.messageId }, reply);
    else await outbox.send(target, reply);
  } catch (err) {
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
  await db.update(notifications).set({ status: 'sent', sentAt: new Date(), error: null }).where(eq(notifications.id, row.id));
  return 'sent';
}
