import { and, desc, eq, ilike, or } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { assistants } from '../db/schema.ts';
import type { Assistant } from './createAssistant.ts';
import { escapeLike } from './listUsableDatasets.ts';

/**
 * The assistants a user can find: their own (any visibility) and public ones, newest first.
 * Unlisted assistants of others are reachable by id only. `query` filters by name or id.
 */
export async function listAssistants(deps: { db: Db }, params: { userId: number; query?: string | undefined; limit?: number }): Promise<Assistant[]> {
  const q = params.query?.trim();
  return deps.db
    .select()
    .from(assistants)
    .where(
      and(
        or(eq(assistants.ownerId, params.userId), eq(assistants.visibility, 'public')),
        q ? or(ilike(assistants.name, `%${escapeLike(q)}%`), ilike(assistants.publicId, `${escapeLike(q.toLowerCase())}%`)) : undefined,
      ),
    )
    .orderBy(desc(assistants.id))
    .limit(params.limit ?? 20);
}
