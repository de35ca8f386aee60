import { and, eq, sql } from 'drizzle-orm';
import { getAddress, type Address } from 'viem';
import { earnings } from '../db/schema.ts';
import { claimedBefore, PRECISION } from './earningsLedger.ts';
import type { IndexerDeps } from './types.ts';

export type DerivedClaimableParameters = { assetId: bigint; token: Address; holder: Address };

export type DerivedClaimableReturnType = {
  /** What the holder can claim, as the indexed events say: `RevenuePool.claimable` at the cursor. */
  claimable: bigint;
  /** Σ `scaled` of the holder's earnings (1e18 scale). */
  earnedScaled: bigint;
  /** Σ `amount` of the holder's earnings: equals `claimed + claimable`. */
  earned: bigint;
  /** Σ of the holder's `Claimed` events. */
  claimed: bigint;
};

/**
 * What `holder` can claim from `assetId` in `token`, derived from the indexed tables alone:
 * (Σ scaled earnings − 1e18 × Σ claimed) / 1e18, rounded down as the pool does.
 */
export async function derivedClaimable(
  deps: Pick<IndexerDeps, 'db' | 'chain'>,
  params: DerivedClaimableParameters,
): Promise<DerivedClaimableReturnType> {
  const { chainId } = deps.chain;
  const token = getAddress(params.token);
  const holder = getAddress(params.holder);
  const [row] = await deps.db
    .select({ scaled: sql<string>`coalesce(sum(${earnings.scaled}), 0)::text`, amount: sql<string>`coalesce(sum(${earnings.amount}), 0)::text` })
    .from(earnings)
    .where(and(eq(earnings.chainId, chainId), eq(earnings.assetId, params.assetId), eq(earnings.token, token), eq(earnings.holder, holder)));
  const claimed = await claimedBefore(deps.db, chainId, { assetId: params.assetId.toString(), token, holder });
  const earnedScaled = BigInt(row!.scaled);
  return { claimable: (earnedScaled - PRECISION * claimed) / PRECISION, earnedScaled, earned: BigInt(row!.amount), claimed };
}
