import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { assistants } from '../db/schema.ts';
import { BaseError, NotFoundError } from '../errors.ts';
import { parsePublicId } from '../ids.ts';
import { canChat, type Assistant } from './createAssistant.ts';

/** The assistant exists and may be used, but cannot answer now (still training, or its training failed). */
export class AssistantUnavailableError extends BaseError {
  override name = 'AssistantUnavailableError' as const;
}

/**
 * The assistant `idText` names, if `userId` may chat with it: its owner always, others when it
 * is public or unlisted. Private assistants of others are answered as unknown (never "forbidden").
 * With `ready`, one still training or failed is refused with a message saying so.
 */
export async function findChatAssistant(
  deps: { db: Db },
  params: { userId: number | null; idText: string; ready?: boolean },
): Promise<Assistant> {
  const publicId = parsePublicId('as', params.idText);
  const unknown = () => new NotFoundError(`There is no assistant ${params.idText.trim().slice(0, 40) || '(none given)'} you can use.`);
  if (!publicId) throw unknown();
  const [a] = await deps.db.select().from(assistants).where(eq(assistants.publicId, publicId));
  if (!a || !(params.userId === null ? a.visibility !== 'private' : canChat(a, params.userId))) throw unknown();
  if (params.ready !== false) {
    if (a.status === 'training') throw new AssistantUnavailableError(`${a.name} is still training; try again when its training message says it is ready.`);
    if (a.status === 'failed') throw new AssistantUnavailableError(`${a.name}'s training failed: ${a.lastError ?? 'unknown error'}.`);
  }
  return a;
}
