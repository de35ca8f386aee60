import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.ts';
import { hubProposals } from '../../platform/db/schema.ts';

export type ProposalRow = typeof hubProposals.$inferSelect;

/** A proposal of a space by id; undefined when unknown (or in another space, as Snapshot's lookup). */
export async function readProposal(deps: { db: DbOrTx }, params: { space: string; id: string }): Promise<ProposalRow | undefined> {
  const [row] = await deps.db
    .select()
    .from(hubProposals)
    .where(and(eq(hubProposals.id, params.id), eq(hubProposals.space, params.space.toLowerCase())));
  return row;
}
