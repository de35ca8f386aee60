import { lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { chatComponents } from '../db/schema.ts';

/**
 * Deletes controls that expired more than a day ago (a press on one is answered as expired
 * either way: an unknown id and an expired one read the same). Run at start; returns how many.
 */
export async function purgeExpiredComponents(deps: { db: Db }): Promise<number> {
  const gone = await deps.db
    .delete(chatComponents)
    .where(lt(chatComponents.expiresAt, sql`now() - interval '1 day'`))
    .returning({ id: chatComponents.id });
  return gone.length;
}
