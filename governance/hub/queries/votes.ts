import { and, eq, getTableColumns } from 'drizzle-orm';
import { hubSpaces, hubVotes } from '../../../platform/db/schema.ts';
import { allOf, whereConditions, type FilterFields } from './filters.ts';
import { formatVote } from './format.ts';
import { orderOf, pageOf, type ListParameters } from './pagination.ts';
import type { HubReadDeps, HubVote } from './types.ts';

/** The filters of `votes(where: VoteWhere)`. */
export const voteWhereFields = {
  id: { column: hubVotes.id, kind: 'string' },
  ipfs: { column: hubVotes.ipfs, kind: 'string' },
  space: { column: hubVotes.space, kind: 'string' },
  voter: { column: hubVotes.voter, kind: 'address' },
  proposal: { column: hubVotes.proposal, kind: 'string' },
  reason: { column: hubVotes.reason, kind: 'string' },
  app: { column: hubVotes.app, kind: 'string' },
  vp_state: { column: hubVotes.vpState, kind: 'string' },
  created: { column: hubVotes.created, kind: 'int' },
  vp: { column: hubVotes.vp, kind: 'float' },
} satisfies FilterFields;

export type VotesParameters = ListParameters;
export type VotesReturnType = HubVote[];

/**
 * Votes in spaces that exist (each voter's latest on a proposal: a re-vote replaces the row), newest
 * first unless `orderBy` (`created`, `vp`) and `orderDirection` say otherwise.
 *
 * @example
 * const page = await votes({ db }, { where: { proposal: id }, first: 1000, orderBy: 'vp' });
 */
export async function votes(deps: HubReadDeps, params: VotesParameters): Promise<VotesReturnType> {
  const { limit, offset } = pageOf(params);
  const rows = await deps.db
    .select(getTableColumns(hubVotes))
    .from(hubVotes)
    .innerJoin(hubSpaces, and(eq(hubSpaces.id, hubVotes.space), eq(hubSpaces.deleted, 0)))
    .where(allOf(whereConditions(voteWhereFields, params.where)))
    .orderBy(...orderOf(params, { created: hubVotes.created, vp: hubVotes.vp }, 'created', hubVotes.id))
    .limit(limit)
    .offset(offset);
  return rows.map(formatVote);
}
