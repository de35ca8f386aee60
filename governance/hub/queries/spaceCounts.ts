import { and, count, eq, inArray } from 'drizzle-orm';
import { hubFollows, hubProposals, hubVotes } from '../../../platform/db/schema.ts';
import type { HubReadDeps } from './types.ts';

/** A space's counts as snapshot-hub's `Space` carries them. */
export type HubSpaceCounts = { proposalsCount: number; followersCount: number; votesCount: number };

/**
 * Proposals (not deleted), followers and votes of each space, by id: three grouped counts for every
 * space an answer asks them of (snapshot-hub keeps them as running totals; here they are counted).
 */
export async function spaceCounts(deps: HubReadDeps, ids: readonly string[]): Promise<Map<string, HubSpaceCounts>> {
  const out = new Map<string, HubSpaceCounts>(ids.map((id) => [id, { proposalsCount: 0, followersCount: 0, votesCount: 0 }]));
  if (ids.length === 0) return out;
  const list = [...ids];
  const [proposals, followers, votes] = await Promise.all([
    deps.db
      .select({ space: hubProposals.space, n: count() })
      .from(hubProposals)
      .where(and(inArray(hubProposals.space, list), eq(hubProposals.deleted, 0)))
      .groupBy(hubProposals.space),
    deps.db.select({ space: hubFollows.space, n: count() }).from(hubFollows).where(inArray(hubFollows.space, list)).groupBy(hubFollows.space),
    deps.db.select({ space: hubVotes.space, n: count() }).from(hubVotes).where(inArray(hubVotes.space, list)).groupBy(hubVotes.space),
  ]);
  for (const r of proposals) out.get(r.space)!.proposalsCount = r.n;
  for (const r of followers) out.get(r.space)!.followersCount = r.n;
  for (const r of votes) out.get(r.space)!.votesCount = r.n;
  return out;
}
