import { and, eq, getTableColumns } from 'drizzle-orm';
import { hubSpaces, hubVotes } from '../../../platform/db/schema.ts';
import { formatVote } from './format.ts';
import type { HubReadDeps, HubVote } from './types.ts';

export type VoteParameters = { id: string };
export type VoteReturnType = HubVote | null;

/** One vote by id (null when there is none, or a later vote replaced it), as snapshot-hub's `vote(id)`. */
export async function vote(deps: HubReadDeps, { id }: VoteParameters): Promise<VoteReturnType> {
  const [row] = await deps.db
    .select(getTableColumns(hubVotes))
    .from(hubVotes)
    .innerJoin(hubSpaces, and(eq(hubSpaces.id, hubVotes.space), eq(hubSpaces.deleted, 0)))
    .where(eq(hubVotes.id, id));
  return row ? formatVote(row) : null;
}
