import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { webMessages } from '../db/schema.ts';

/** The picture of a message in a web chat, or null (no such message in that chat, or no picture). */
export async function readWebImage(deps: { db: Db }, params: { chatId: string; messageId: number }): Promise<Buffer | null> {
  const [row] = await deps.db
    .select({ png: webMessages.imagePng })
    .from(webMessages)
    .where(and(eq(webMessages.id, params.messageId), eq(webMessages.chatId, params.chatId)));
  return row?.png ?? null;
}
