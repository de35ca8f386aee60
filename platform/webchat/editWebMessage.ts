import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { webMessages } from '../db/schema.ts';
import { controlsOf, type Reply } from '../chat/reply.ts';

/** Replaces the text and controls of a bot message in a web chat (the page picks the change up on its next poll). */
export async function editWebMessage(deps: { db: Db }, params: { chatId: string; messageId: number; reply: Reply }): Promise<void> {
  await deps.db
    .update(webMessages)
    .set({ text: params.reply.text, controls: controlsOf(params.reply), updatedAt: sql`clock_timestamp()` })
    .where(and(eq(webMessages.id, params.messageId), eq(webMessages.chatId, params.chatId)));
}
