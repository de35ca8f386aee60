import { and, eq, inArray } from 'drizzle-orm';
import { hubSpaces } from '../../../platform/db/schema.ts';
import { formatSpace } from './format.ts';
import type { HubReadDeps, HubSpace } from './types.ts';

/**
 * The spaces with these ids that exist and are not deleted, by id: one query for every space a
 * GraphQL answer mentions (votes', proposals' and follows' `space`).
 */
export async function spacesById(deps: HubReadDeps, ids: readonly string[]): Promise<Map<string, HubSpace>> {
  if (ids.length === 0) return new Map();
  const rows = await deps.db
    .select()
    .from(hubSpaces)
    .where(and(inArray(hubSpaces.id, [...ids]), eq(hubSpaces.deleted, 0)));
  return new Map(rows.map((r) => [r.id, formatSpace(r)]));
}
