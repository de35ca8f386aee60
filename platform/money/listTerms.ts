import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { licenseTerms } from '../db/schema.ts';

export type LicenseTermsRow = typeof licenseTerms.$inferSelect;

/** The licenses an assistant offers (not retired), period first. Empty: free to chat with. */
export async function listTerms(deps: { db: Db }, assistantId: number): Promise<LicenseTermsRow[]> {
  return deps.db
    .select()
    .from(licenseTerms)
    .where(and(eq(licenseTerms.assistantId, assistantId), eq(licenseTerms.retired, 0)))
    .orderBy(asc(licenseTerms.id));
}
