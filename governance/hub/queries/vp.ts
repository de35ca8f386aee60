import { and, eq } from 'drizzle-orm';
import { formatUnits, getAddress, isAddress, zeroAddress, type Address } from 'viem';
import { hubVotes, hubVpCache } from '../../../platform/db/schema.ts';
import { HubNotFoundError, HubQueryError } from './errors.ts';
import { proposal as getProposal } from './proposal.ts';
import { space as getSpace } from './space.ts';
import type { HubProposal, HubReadDeps, HubSpace, HubVp } from './types.ts';

/**
 * Computes voting power that nothing has stored yet: at the proposal's snapshot block when a
 * proposal is given, else at the chain's latest block with the space's strategies (the runtime
 * passes the strategies' reader; without one, `vp` answers only what is stored).
 */
export type ComputeVotingPower = (params: { voter: Address; space: HubSpace | null; proposal: HubProposal | null }) => Promise<HubVp>;

export type VpParameters = { voter: string; space: string; proposal?: string | null | undefined };
export type VpReturnType = HubVp;
export type VpErrorType = HubQueryError | HubNotFoundError;

/** Snapshot's number for an exact 18-decimal amount (the cache's unit). */
const score = (exact: string) => Number(formatUnits(BigInt(exact), 18));

/**
 * A voter's voting power, as snapshot-hub's `vp(voter, space, proposal)`: on a proposal, the power
 * the voter's vote counted with (`hub_votes`), else the power cached at the proposal's snapshot
 * (`hub_vp_cache`), else computed by `computeVp`; without a proposal, computed at the latest block.
 * Nothing is ever made up: with neither a stored value nor `computeVp` it fails with
 * `voting power not found`.
 *
 * @example
 * const { vp } = await vp({ db }, { voter: '0x…', space: 'caravan.eth', proposal: '0x…' });
 */
export async function vp(deps: HubReadDeps & { computeVp?: ComputeVotingPower | undefined }, params: VpParameters): Promise<VpReturnType> {
  if (!isAddress(params.voter, { strict: false }) || getAddress(params.voter) === zeroAddress) throw new HubQueryError('invalid address');
  const voter = getAddress(params.voter);
  if (params.proposal) {
    const p = await getProposal(deps, { id: params.proposal });
    if (!p) throw new HubNotFoundError('proposal not found');
    const [voted] = await deps.db
      .select({ vp: hubVotes.vp, vpByStrategy: hubVotes.vpByStrategy, vpState: hubVotes.vpState })
      .from(hubVotes)
      .where(and(eq(hubVotes.proposal, p.id), eq(hubVotes.voter, voter)));
    if (voted) return { vp: Number(voted.vp), vp_by_strategy: voted.vpByStrategy, vp_state: voted.vpState };
    const [cached] = await deps.db
      .select({ vpExact: hubVpCache.vpExact, vpByStrategy: hubVpCache.vpByStrategy })
      .from(hubVpCache)
      .where(and(eq(hubVpCache.proposal, p.id), eq(hubVpCache.voter, voter)));
    if (cached) {
      const byStrategy = cached.vpByStrategy.map(score);
      return { vp: byStrategy.reduce((a, b) => a + b, 0), vp_by_strategy: byStrategy, vp_state: 'final' };
    }
    if (deps.computeVp) return deps.computeVp({ voter, space: null, proposal: p });
    throw new HubNotFoundError('voting power not found');
  }
  if (!params.space) throw new HubQueryError('missing argument');
  const s = await getSpace(deps, { id: params.space });
  if (!s) throw new HubNotFoundError('space not found');
  if (deps.computeVp) return deps.computeVp({ voter, space: s, proposal: null });
  throw new HubNotFoundError('voting power not found');
}
