import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { notifications } from '../db/schema.ts';
import type { ChatImage, ChatOutbox, ChatTarget } from './types.ts';
import { BaseError } from '../errors.ts';

/** Another sender holds the claim on this message; try again after its lease. */
export class DeliveryInFlightError extends BaseError {
  override name = 'DeliveryInFlightError' as const;
}

export type DeliverOnceDeps = { db: Db; outbox: ChatOutbox };

export type DeliverOnceParameters = {
  /** Idempotency key: one key, one delivered message, however often this is called. */
  key: string;
  target: ChatTarget;
  text: string;
  /** Sent with the text as a new message (not with edits). */
  image?: ChatImage | undefined;
};

export type DeliverOnceResult = 'sent' | 'already_sent';

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
      text: params.text,
      imagePng: params.image ? Buffer.from(params.image.png) : null,
      imageName: params.image?.fileName ?? null,
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
    if (current?.status === 'sent') return 'already_sent';
    throw new DeliveryInFlightError(`Message ${params.key} is being sent by another worker.`, { retryable: true });
  }
  const target = row.target as ChatTarget;
  try {
    if (target.messageId) await outbox.edit({ ...target, messageId: target.messageId }, row.text);
    else
      await outbox.send(
        target,
        row.text,
        row.imagePng ? { png: row.imagePng, fileName: row.imageName ?? 'image.png' } : undefined,
      );
  } catch (err) {
    await db
      .update(notifications)
      .set({ status: 'pending', claimedAt: null, error: String((err as Error).message ?? err) })
      .where(eq(notifications.id, row.id));
    throw err;
  }
  await db.update(notifications).set({ status: 'sent', sentAt: new Date(), error: null }).where(eq(notifications.id, row.id));
  return 'sent';
}
