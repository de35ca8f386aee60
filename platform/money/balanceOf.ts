import { erc20Abi, zeroAddress, type Address } from 'viem';
import type { ChainDeps } from '../chain/clients.ts';

/** What `holder` has of `currency` (wei for ETH, the token's units otherwise), read from the chain. */
export async function balanceOf(deps: { chain: ChainDeps }, holder: Address, currency: Address): Promise<bigint> {
  if (currency === zeroAddress) return deps.chain.publicClient.getBalance({ address: holder });
  return deps.chain.publicClient.readContract({ address: currency, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });
}
