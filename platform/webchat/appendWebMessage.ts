import type { Db } from '../db/client.ts';
import { webMessages } from '../db/schema.ts';
import { controlsOf, type Reply } from '../chat/reply.ts';

/** Adds a message to a web chat (the person's or the bot's); returns its id. */
export async function appendWebMessage(deps: { db: Db }, params: { chatId: string; fromBot: boolean; reply: Reply }): Promise<number> {
  const [row] = await deps.db
    .insert(webMessages)
    .values({
      chatId: params.chatId,
      fromBot: params.fromBot ? 1 : 0,
      text: params.reply.text,
      imagePng: params.reply.image ? Buffer.from(params.reply.image.png) : null,
      controls: controlsOf(params.reply),
    })
    .returning({ id: webMessages.id });
  return row!.id;
}
