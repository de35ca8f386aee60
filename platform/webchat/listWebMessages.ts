import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { webMessages } from '../db/schema.ts';
import type { ReplyControls } from '../chat/reply.ts';

export type WebMessage = {
  id: number;
  fromBot: boolean;
  text: string;
  hasImage: boolean;
  controls: ReplyControls | null;
  /** Opaque position to pass back as `since` (the row's last change, microseconds). */
  cursor: string;
};

/** Messages of one web chat, oldest first; with `since`, only those created or edited after that cursor. */
export async function listWebMessages(deps: { db: Db }, params: { chatId: string; since?: string | undefined; limit?: number }): Promise<WebMessage[]> {
  const rows = await deps.db
    .select({
      id: webMessages.id,
      fromBot: webMessages.fromBot,
      text: webMessages.text,
      hasImage: sql<boolean>`${webMessages.imagePng} is not null`,
      controls: webMessages.controls,
      cursor: sql<string>`to_char(${webMessages.updatedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(webMessages)
    .where(
      params.since
        ? and(eq(webMessages.chatId, params.chatId), sql`${webMessages.updatedAt} > ${params.since}::timestamptz`)
        : eq(webMessages.chatId, params.chatId),
    )
    .orderBy(asc(webMessages.id))
    .limit(params.limit ?? 500);
  return rows.map((r) => ({ ...r, fromBot: r.fromBot === 1, controls: (r.controls as ReplyControls | null) ?? null }));
}
