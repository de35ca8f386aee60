import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { notifications } from '../db/schema.ts';

/** A message the user's chat refused for good (DMs closed, bot blocked), kept for the web inbox. */
export type InboxMessage = { id: number; text: string; hasImage: boolean; createdAt: Date };

/** The user's web inbox, newest first (at most `limit`, default 50). */
export async function listInbox(deps: { db: Db }, userId: number, limit = 50): Promise<InboxMessage[]> {
  const rows = await deps.db
    .select({ id: notifications.id, text: notifications.text, hasImage: sql<boolean>`${notifications.imagePng} is not null`, createdAt: notifications.createdAt })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), eq(notifications.status, 'inbox')))
    .orderBy(desc(notifications.id))
    .limit(limit);
  return rows.map((r) => ({ id: r.id, text: r.text, hasImage: r.hasImage, createdAt: r.createdAt }));
}
