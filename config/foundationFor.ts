import { getAddress, type Address } from 'viem';
import { DEV_CHAIN_ID } from '../platform/chain/ensureDeployment.ts';
import { loadDevFoundationKey } from '../platform/crypto/foundationKey.ts';
import type { Config } from './loadConfig.ts';

/**
 * The Foundation to deploy with: FOUNDATION_ADDRESS; else, on the dev chain, the address of a generated key of its
 * own under CARAVAN_HOME (never the operator's); elsewhere none, and deploying asks for FOUNDATION_ADDRESS.
 */
export function foundationFor(config: Config, chainId: number): Address | undefined {
  if (config.FOUNDATION_ADDRESS) return getAddress(config.FOUNDATION_ADDRESS);
  return chainId === DEV_CHAIN_ID ? loadDevFoundationKey({ home: config.home }).address : undefined;
}
