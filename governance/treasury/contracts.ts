import type { Address } from 'viem';
import { ConfigError } from '../../platform/errors.ts';
import type { TreasuryDeps } from './types.ts';

/** The governor, the charter, the timelock (the treasury) and the governance token of this chain's deployment. */
export function treasuryContracts(deps: Pick<TreasuryDeps, 'chain'>): { governor: Address; charter: Address; timelock: Address; token: Address } {
  const a = deps.chain.addresses;
  const missing = (['governor', 'handoverCharter', 'timelock', 'token'] as const).filter((k) => !a[k]);
  if (missing.length)
    throw new ConfigError(`This chain's deployment has no ${missing.join(', ')} contract, so the treasury is not available.`, {
      metaMessages: ['Start from a fresh CARAVAN_HOME to deploy every contract, or add them to CONTRACT_ADDRESSES.'],
    });
  return { governor: a.governor!, charter: a.handoverCharter!, timelock: a.timelock!, token: a.token! };
}
