import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { assistants, licenseTerms } from '../db/schema.ts';
import type { ListedAssistant } from './listAssistants.ts';

export type BrowseAssistantsParameters = {
  /** `public`: public assistants ready to chat (the marketplace); `mine`: `userId`'s own, any visibility or state. */
  scope: { kind: 'public' } | { kind: 'mine'; userId: number };
  /** Internal id to continue after (pagination). */
  before?: number | undefined;
  limit: number;
};

/**
 * A page of assistants, newest first, each with the licenses it offers, and the position to
 * continue from (null on the last page). Unlisted and private assistants of others never appear.
 */
export async function browseAssistants(deps: { db: Db }, params: BrowseAssistantsParameters): Promise<{ assistants: ListedAssistant[]; last: number | null }> {
  const scope =
    params.scope.kind === 'mine'
      ? eq(assistants.ownerId, params.scope.userId)
      : and(eq(assistants.visibility, 'public'), eq(assistants.status, 'ready'));
  const rows = await deps.db
    .select()
    .from(assistants)
    .where(and(scope, params.before ? lt(assistants.id, params.before) : undefined))
    .orderBy(desc(assistants.id))
    .limit(params.limit + 1);
  const page = rows.slice(0, params.limit);
  const terms = page.length
    ? await deps.db
        .select()
        .from(licenseTerms)
        .where(and(inArray(licenseTerms.assistantId, page.map((r) => r.id)), eq(licenseTerms.retired, 0)))
        .orderBy(licenseTerms.id)
    : [];
  return {
    assistants: page.map((r) => ({ ...r, terms: terms.filter((t) => t.assistantId === r.id) })),
    last: rows.length > params.limit ? page.at(-1)!.id : null,
  };
}
