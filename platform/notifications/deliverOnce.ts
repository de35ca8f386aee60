import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { notifications } from '../db/schema.ts';
import type { ChatOutbox, ChatTarget } from './types.ts';

export type DeliverOnceDeps = { db: Db; outbox: ChatOutbox };

export type DeliverOnceParameters = {
  /** Idempotency key: one key, one delivered message, however often this is called. */
  key: string;
  target: ChatTarget;
  text: string;
};

export type DeliverOnceResult = 'sent' | 'already_sent';

/**
 * Delivers a platform message exactly once per key: the message is recorded before it is
 * sent and marked sent after; a retry of a sent key does nothing. With `target.messageId`
 * the message edits that one (edits are idempotent, so a crash between send and mark
 * repeats no visible message); without it a new message is sent.
 */
export async function deliverOnce(deps: DeliverOnceDeps, params: DeliverOnceParameters): Promise<DeliverOnceResult> {
  const { db, outbox } = deps;
  await db
    .insert(notifications)
    .values({ key: params.key, target: params.target, text: params.text })
    .onConflictDoNothing({ target: notifications.key });
  const [row] = await db
    .update(notifications)
    .set({ attempts: sql`${notifications.attempts} + 1` })
    .where(sql`${notifications.key} = ${params.key} and ${notifications.status} <> 'sent'`)
    .returning();
  if (!row) return 'already_sent';
  const target = row.target as ChatTarget;
  try {
    if (target.messageId) await outbox.edit({ ...target, messageId: target.messageId }, row.text);
    else await outbox.send(target, row.text);
  } catch (err) {
    await db.update(notifications).set({ error: String((err as Error).message ?? err) }).where(eq(notifications.id, row.id));
    throw err;
  }
  await db.update(notifications).set({ status: 'sent', sentAt: new Date(), error: null }).where(eq(notifications.id, row.id));
  return 'sent';
}
