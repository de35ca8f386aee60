import { and, eq, getTableColumns } from 'drizzle-orm';
import { hubProposals, hubSpaces } from '../../../platform/db/schema.ts';
import { formatProposal } from './format.ts';
import { nowOf, type HubProposal, type HubReadDeps } from './types.ts';

export type ProposalParameters = { id: string };
export type ProposalReturnType = HubProposal | null;

/** One proposal by id (null when there is none, it was deleted, or its space was), as snapshot-hub's `proposal(id)`. */
export async function proposal(deps: HubReadDeps, { id }: ProposalParameters): Promise<ProposalReturnType> {
  const [row] = await deps.db
    .select(getTableColumns(hubProposals))
    .from(hubProposals)
    .innerJoin(hubSpaces, and(eq(hubSpaces.id, hubProposals.space), eq(hubSpaces.deleted, 0)))
    .where(and(eq(hubProposals.id, id), eq(hubProposals.deleted, 0)));
  return row ? formatProposal(row, nowOf(deps)) : null;
}
