import { and, desc, eq, ilike, inArray, or } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { assistants, licenseTerms } from '../db/schema.ts';
import type { Assistant } from './createAssistant.ts';
import { escapeLike } from './listUsableDatasets.ts';

import type { LicenseTermsRow } from '../money/listTerms.ts';

/** An assistant with the licenses it offers (none: free to chat with). */
export type ListedAssistant = Assistant & { terms: LicenseTermsRow[] };

/**
 * The assistants a user can find: their own (any visibility) and public ones, newest first, each
 * with the licenses on offer. Unlisted assistants of others are reachable by id only. `query`
 * filters by name or id.
 */
export async function listAssistants(
  deps: { db: Db },
  params: { userId: number; query?: string | undefined; limit?: number },
): Promise<ListedAssistant[]> {
  const q = params.query?.trim();
  const rows = await deps.db
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
  const terms = rows.length
    ? await deps.db
        .select()
        .from(licenseTerms)
        .where(and(inArray(licenseTerms.assistantId, rows.map((r) => r.id)), eq(licenseTerms.retired, 0)))
    : [];
  return rows.map((r) => ({ ...r, terms: terms.filter((t) => t.assistantId === r.id) }));
}
