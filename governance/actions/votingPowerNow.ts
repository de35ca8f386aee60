import { payoutAddress } from '../../platform/identity/ensureUser.ts';
import { getVotingPower, type Strategy, type VotingPower } from '../strategies/getVotingPower.ts';
import { readSpace } from '../hub/readSpace.ts';
import { NotFoundError } from '../../platform/errors.ts';
import { findUserById } from '../../platform/identity/findUserById.ts';
import type { GovernanceDeps } from './types.ts';

/** The user's voting power in the space at the latest block, per strategy (receipts, tokens), at the address that holds their votes. */
export async function votingPowerNow(deps: GovernanceDeps, params: { userId: number }): Promise<VotingPower & { address: `0x${string}`; strategies: string[] }> {
  const space = await readSpace(deps.hub, deps.space);
  if (!space) throw new NotFoundError(`The space ${deps.space} does not exist yet.`);
  const user = await findUserById(deps, params.userId);
  const address = payoutAddress(user);
  const strategies = (space.settings as { strategies?: Strategy[] }).strategies ?? [];
  const snapshot = Number(await deps.hub.chain.publicClient.getBlockNumber({ cacheTime: 0 }));
  const vp = await getVotingPower(deps.hub.chain, { address, strategies, snapshot });
  return { ...vp, address, strategies: strategies.map((s) => s.name) };
}
