import { desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { assistants, licenses } from '../db/schema.ts';

/** The user's licenses, newest first, with the assistant each is for. */
export async function listLicenses(deps: { db: Db }, userId: number) {
  return deps.db
    .select({ license: licenses, assistant: { id: assistants.id, publicId: assistants.publicId, name: assistants.name } })
    .from(licenses)
    .innerJoin(assistants, eq(assistants.id, licenses.assistantId))
    .where(eq(licenses.userId, userId))
    .orderBy(desc(licenses.id));
}
