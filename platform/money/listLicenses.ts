import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { assistants, licenseTerms, licenses } from '../db/schema.ts';

/** A page of a list: rows older than `before` (a row id), at most `limit` of them. */
export type LicensePage = { before?: number | undefined; limit?: number | undefined };

/** The user's licenses, newest first, with the assistant each is for and the period its terms sell (all of them, or a page). */
export async function listLicenses(deps: { db: Db }, userId: number, page: LicensePage = {}) {
  const query = deps.db
    .select({
      license: licenses,
      assistant: { id: assistants.id, publicId: assistants.publicId, name: assistants.name },
      durationSeconds: licenseTerms.durationSeconds,
    })
    .from(licenses)
    .innerJoin(assistants, eq(assistants.id, licenses.assistantId))
    .leftJoin(licenseTerms, eq(licenseTerms.chainTermsId, licenses.chainTermsId))
    .where(and(eq(licenses.userId, userId), page.before ? lt(licenses.id, page.before) : undefined))
    .orderBy(desc(licenses.id))
    .$dynamic();
  return page.limit ? query.limit(page.limit) : query;
}
