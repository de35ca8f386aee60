import { getAddress, type Address } from 'viem';
import { assetRegistryAbi, caravanGovernorAbi, handoverCharterAbi, licensesAbi, receiptsAbi, revenuePoolAbi } from '../../contracts/bindings/index.ts';
import { ConfigError } from '../errors.ts';
import type { IndexerDeps } from './types.ts';

/** The contracts whose events the indexer records, by their key in `ChainDeps.addresses`. */
export const INDEXED_CONTRACTS = ['assetRegistry', 'receipts', 'revenuePool', 'licenses'] as const;

/** Governance contracts whose events are recorded too when the deployment has them (treasury proposals, phases). */
export const INDEXED_GOVERNANCE_CONTRACTS = ['governor', 'handoverCharter'] as const;

/** The ABIs of the indexed contracts, combined: one decoder for every log the indexer fetches. */
export const indexedEventsAbi = [...assetRegistryAbi, ...receiptsAbi, ...revenuePoolAbi, ...licensesAbi, ...caravanGovernorAbi, ...handoverCharterAbi];

/**
 * The indexed contracts' addresses on this chain, and a map from address back to contract name.
 * A ConfigError names a missing address (an old deployment without the money contracts).
 */
export function indexedContracts(chain: IndexerDeps['chain']): { addresses: Address[]; nameOf: Map<string, string> } {
  const nameOf = new Map<string, string>();
  for (const name of INDEXED_CONTRACTS) {
    const address = chain.addresses[name];
    if (!address)
      throw new ConfigError(`The indexer needs the ${name} contract, which this chain's deployment lacks.`, {
        metaMessages: ['Start from a fresh CARAVAN_HOME to deploy every contract, or add it to CONTRACT_ADDRESSES.'],
      });
    nameOf.set(getAddress(address), name);
  }
  for (const name of INDEXED_GOVERNANCE_CONTRACTS) {
    const address = chain.addresses[name];
    if (address) nameOf.set(getAddress(address), name);
  }
  return { addresses: [...nameOf.keys()] as Address[], nameOf };
}
