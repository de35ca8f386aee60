import { and, desc, eq, gt, lte } from 'drizzle-orm';
import { hubProposals } from '../../platform/db/schema.ts';
import type { GovernanceDeps } from './types.ts';

export type ProposalSummary = typeof hubProposals.$inferSelect;

/** The space's proposals open for voting now (newest first), or those that closed most recently. */
export async function listProposals(deps: Pick<GovernanceDeps, 'db' | 'space' | 'hub'>, params: { state: 'active' | 'closed'; limit?: number | undefined }): Promise<ProposalSummary[]> {
  const now = Math.floor(deps.hub.now?.() ?? Date.now() / 1000);
  return deps.db
    .select()
    .from(hubProposals)
    .where(
      and(
        eq(hubProposals.space, deps.space),
        eq(hubProposals.deleted, 0),
        params.state === 'active' ? and(lte(hubProposals.start, now), gt(hubProposals.end, now)) : lte(hubProposals.end, now),
      ),
    )
    .orderBy(params.state === 'active' ? desc(hubProposals.created) : desc(hubProposals.end))
    .limit(params.limit ?? 10);
}
