import { and, eq, getTableColumns, inArray } from 'drizzle-orm';
import { hubProposals, hubSpaces } from '../../../platform/db/schema.ts';
import { formatProposal } from './format.ts';
import { nowOf, type HubProposal, type HubReadDeps } from './types.ts';

/** The live proposals with these ids, by id: one query for every proposal a page of votes mentions. */
export async function proposalsById(deps: HubReadDeps, ids: readonly string[]): Promise<Map<string, HubProposal>> {
  if (ids.length === 0) return new Map();
  const now = nowOf(deps);
  const rows = await deps.db
    .select(getTableColumns(hubProposals))
    .from(hubProposals)
    .innerJoin(hubSpaces, and(eq(hubSpaces.id, hubProposals.space), eq(hubSpaces.deleted, 0)))
    .where(and(inArray(hubProposals.id, [...ids]), eq(hubProposals.deleted, 0)));
  return new Map(rows.map((r) => [r.id, formatProposal(r, now)]));
}
