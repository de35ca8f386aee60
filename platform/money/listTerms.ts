import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { licenseTerms } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';

export type LicenseTermsRow = typeof licenseTerms.$inferSelect;

/** The licenses an assistant offers (not retired), period first. Empty: free to chat with. */
export async function listTerms(deps: { db: Db }, assistantId: number): Promise<LicenseTermsRow[]> {
  return deps.db
    .select()
    .from(licenseTerms)
    .where(and(eq(licenseTerms.assistantId, assistantId), eq(licenseTerms.retired, 0)))
    .orderBy(asc(licenseTerms.id));
}

/** One terms row by id (any assistant's: prices are public), or NotFoundError. */
export async function findTerms(deps: { db: Db }, termsRowId: number): Promise<LicenseTermsRow> {
  const [row] = await deps.db.select().from(licenseTerms).where(eq(licenseTerms.id, termsRowId));
  if (!row) throw new NotFoundError('This license is not on sale.');
  return row;
}
