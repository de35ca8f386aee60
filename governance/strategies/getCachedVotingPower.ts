import { and, eq } from 'drizzle-orm';
import { formatUnits, type Address, type Chain, type PublicClient, type Transport } from 'viem';
import type { DbOrTx } from '../../platform/db/client.ts';
import { hubVpCache } from '../../platform/db/schema.ts';
import { getVotingPower, type Strategy, type VotingPower } from './getVotingPower.ts';

export type GetCachedVotingPowerParameters = {
  proposal: string;
  address: Address;
  strategies: readonly Strategy[];
  snapshot: number;
  /** Seconds since the epoch, recorded with a new entry. */
  now: number;
};

/** Snapshot's number for a strategy's exact 18-decimal part. */
const score = (exact: bigint) => Number(formatUnits(exact, 18));

/** The voting power a `hub_vp_cache` row holds. */
export function vpFromCacheRow(cached: { vpExact: string; vpByStrategy: string[] }): VotingPower {
  const exactByStrategy = cached.vpByStrategy.map((v) => BigInt(v));
  const vpByStrategy = exactByStrategy.map(score);
  return { vpExact: BigInt(cached.vpExact), exactByStrategy, vpByStrategy, vp: vpByStrategy.reduce((a, b) => a + b, 0) };
}

/**
 * Voting power of a voter on a proposal, read from the chain once and then from `hub_vp_cache`
 * (the snapshot block never changes, so neither does the answer). Concurrent first reads both
 * compute; the first insert wins and both answers are equal.
 */
export async function getCachedVotingPower(
  deps: { db: DbOrTx; publicClient: PublicClient<Transport, Chain> },
  params: GetCachedVotingPowerParameters,
): Promise<VotingPower> {
  const [cached] = await deps.db
    .select()
    .from(hubVpCache)
    .where(and(eq(hubVpCache.proposal, params.proposal), eq(hubVpCache.voter, params.address)));
  if (cached) return vpFromCacheRow(cached);
  const vp = await getVotingPower(deps, params);
  await deps.db
    .insert(hubVpCache)
    .values({
      proposal: params.proposal,
      voter: params.address,
      vpExact: vp.vpExact.toString(),
      vpByStrategy: vp.exactByStrategy.map(String),
      created: params.now,
    })
    .onConflictDoNothing();
  return vp;
}
