import { and, eq, getTableColumns, gte, lt, type SQL } from 'drizzle-orm';
import { hubProposals, hubSpaces } from '../../../platform/db/schema.ts';
import { allOf, whereConditions, type FilterFields, type Where } from './filters.ts';
import { formatProposal } from './format.ts';
import { orderOf, pageOf, type ListParameters } from './pagination.ts';
import { nowOf, type HubProposal, type HubReadDeps } from './types.ts';

/** The filters of `proposals(where: ProposalWhere)`, besides `state`. */
export const proposalWhereFields = {
  id: { column: hubProposals.id, kind: 'string' },
  ipfs: { column: hubProposals.ipfs, kind: 'string' },
  space: { column: hubProposals.space, kind: 'string' },
  author: { column: hubProposals.author, kind: 'address' },
  network: { column: hubProposals.network, kind: 'string' },
  type: { column: hubProposals.type, kind: 'string' },
  app: { column: hubProposals.app, kind: 'string' },
  scores_state: { column: hubProposals.scoresState, kind: 'string' },
  created: { column: hubProposals.created, kind: 'int' },
  updated: { column: hubProposals.updated, kind: 'int' },
  start: { column: hubProposals.start, kind: 'int' },
  end: { column: hubProposals.end, kind: 'int' },
  votes: { column: hubProposals.votes, kind: 'int' },
} satisfies FilterFields;

export type ProposalsParameters = ListParameters<Where & { state?: string | null }>;
export type ProposalsReturnType = HubProposal[];

/**
 * The SQL of a `state` filter at `now`, the same rule as a proposal's `state` field: `pending`
 * until its start, `active` until its end, `closed` after. Any other value filters nothing.
 */
export function stateCondition(state: unknown, now: number): SQL | undefined {
  if (state === 'pending') return gte(hubProposals.start, now);
  if (state === 'active') return and(lt(hubProposals.start, now), gte(hubProposals.end, now));
  if (state === 'closed') return lt(hubProposals.end, now);
  return undefined;
}

/**
 * Proposals that are not deleted, in spaces that exist, newest first unless `orderBy` (`created`,
 * `start`, `end`, `votes`, `scores_total`) and `orderDirection` say otherwise.
 *
 * @example
 * const open = await proposals({ db }, { where: { space: 'caravan.eth', state: 'active' }, first: 10 });
 */
export async function proposals(deps: HubReadDeps, params: ProposalsParameters): Promise<ProposalsReturnType> {
  const { limit, offset } = pageOf(params);
  const now = nowOf(deps);
  const rows = await deps.db
    .select(getTableColumns(hubProposals))
    .from(hubProposals)
    .innerJoin(hubSpaces, and(eq(hubSpaces.id, hubProposals.space), eq(hubSpaces.deleted, 0)))
    .where(
      allOf([eq(hubProposals.deleted, 0), ...whereConditions(proposalWhereFields, params.where), stateCondition(params.where?.state, now)]),
    )
    .orderBy(
      ...orderOf(
        params,
        { created: hubProposals.created, start: hubProposals.start, end: hubProposals.end, votes: hubProposals.votes, scores_total: hubProposals.scoresTotal },
        'created',
        hubProposals.id,
      ),
    )
    .limit(limit)
    .offset(offset);
  return rows.map((r) => formatProposal(r, now));
}
