import { ConfigError } from '../platform/errors.ts';
import { DEV_CHAIN_ID } from '../platform/chain/ensureDeployment.ts';

/** Fewest confirmations accepted on a chain other than the dev chain: a shallow reorg must not undo a receipt. */
export const MIN_CONFIRMATIONS = 3;

/**
 * The blocks to wait before a transaction counts as final on chain `chainId`: `CONFIRMATIONS`,
 * checked once the chain's id is known. Anything but the dev chain (31337) needs at least
 * {@link MIN_CONFIRMATIONS}; fewer is a `ConfigError` at start.
 *
 * @example
 * const chain: ChainDeps = { ...connected, addresses, confirmations: confirmationsFor(config, connected.chainId) }
 */
export function confirmationsFor(config: { CONFIRMATIONS: number }, chainId: number): number {
  if (chainId !== DEV_CHAIN_ID && config.CONFIRMATIONS < MIN_CONFIRMATIONS)
    throw new ConfigError('Invalid configuration.', {
      metaMessages: [
        `CONFIRMATIONS: at least ${MIN_CONFIRMATIONS} on chain ${chainId} (got ${config.CONFIRMATIONS}); only the dev chain (${DEV_CHAIN_ID}) may use fewer.`,
      ],
      details: 'A receipt counted after fewer blocks can be undone by a reorg. Set CONFIRMATIONS=3 or more.',
    });
  return config.CONFIRMATIONS;
}
