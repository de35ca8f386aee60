import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.ts';
import { webMessages } from '../../platform/db/schema.ts';
import type { ChatOutbox } from '../../platform/notifications/types.ts';

/** A `ChatOutbox` for the local web chat page: messages are rows the page polls for. */
export function createWebOutbox(deps: { db: Db }): ChatOutbox {
  return {
    async send(target, text, image) {
      const [row] = await deps.db
        .insert(webMessages)
        .values({ chatId: target.chatId, fromBot: 1, text, imagePng: image ? Buffer.from(image.png) : null })
        .returning({ id: webMessages.id });
      return String(row!.id);
    },
    async edit(target, text) {
      await deps.db
        .update(webMessages)
        .set({ text, updatedAt: sql`clock_timestamp()` })
        .where(and(eq(webMessages.id, Number(target.messageId)), eq(webMessages.chatId, target.chatId)));
    },
  };
}
