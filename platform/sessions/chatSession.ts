import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { chatSessions } from '../db/schema.ts';

/** Identifies one person in one chat. */
export type SessionKey = { transport: string; chatId: string; userId: string };

const keyOf = (k: SessionKey) => `${k.transport}:${k.chatId}:${k.userId}`;

/** Reads the conversation state of a person in a chat (null when none). */
export async function getSession<T>(deps: { db: Db }, key: SessionKey): Promise<T | null> {
  const [row] = await deps.db.select().from(chatSessions).where(eq(chatSessions.key, keyOf(key)));
  return (row?.state as T | undefined) ?? null;
}

/** Replaces the conversation state; `null` clears it. */
export async function setSession<T>(deps: { db: Db }, key: SessionKey, state: T | null): Promise<void> {
  if (state === null) {
    await deps.db.delete(chatSessions).where(eq(chatSessions.key, keyOf(key)));
    return;
  }
  await deps.db
    .insert(chatSessions)
    .values({ key: keyOf(key), state })
    .onConflictDoUpdate({ target: chatSessions.key, set: { state, updatedAt: sql`now()` } });
}
