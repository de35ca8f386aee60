import { desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { assistants, licenseTerms, licenses } from '../db/schema.ts';

/** The user's licenses, newest first, with the assistant each is for and the period its terms sell. */
export async function listLicenses(deps: { db: Db }, userId: number) {
  return deps.db
    .select({
      license: licenses,
      assistant: { id: assistants.id, publicId: assistants.publicId, name: assistants.name },
      durationSeconds: licenseTerms.durationSeconds,
    })
    .from(licenses)
    .innerJoin(assistants, eq(assistants.id, licenses.assistantId))
    .leftJoin(licenseTerms, eq(licenseTerms.chainTermsId, licenses.chainTermsId))
    .where(eq(licenses.userId, userId))
    .orderBy(desc(licenses.id));
}
