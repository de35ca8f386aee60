import type { Chain, PublicClient, Transport } from 'viem';
import type { DbOrTx } from '../../../platform/db/client.ts';
import { getCachedVotingPower } from '../../strategies/getCachedVotingPower.ts';
import { getVotingPower } from '../../strategies/getVotingPower.ts';
import { nowOf } from './types.ts';
import type { ComputeVotingPower } from './vp.ts';

/**
 * The `vp` query's reader of voting power nothing has stored yet, through the hub's strategies:
 * on a proposal, at its snapshot block, cached in `hub_vp_cache` as a vote would cache it
 * (`vp_state` final: that block never changes); for a space alone, at the chain's latest block
 * with the space's strategies (`vp_state` pending, as Snapshot's score API says of `latest`).
 *
 * @example
 * const hub = createHubGraphql({ db, computeVp: chainVotingPower({ db, publicClient }) });
 */
export function chainVotingPower(deps: { db: DbOrTx; publicClient: PublicClient<Transport, Chain>; now?: (() => number) | undefined }): ComputeVotingPower {
  return async ({ voter, space, proposal }) => {
    if (proposal) {
      const vp = await getCachedVotingPower(deps, {
        proposal: proposal.id,
        address: voter,
        strategies: proposal.strategies,
        snapshot: Number(proposal.snapshot),
        now: nowOf(deps),
      });
      return { vp: vp.vp, vp_by_strategy: vp.vpByStrategy, vp_state: 'final' };
    }
    const head = Number(await deps.publicClient.getBlockNumber({ cacheTime: 0 }));
    const vp = await getVotingPower(deps, { address: voter, strategies: space?.strategies ?? [], snapshot: head });
    return { vp: vp.vp, vp_by_strategy: vp.vpByStrategy, vp_state: 'pending' };
  };
}
