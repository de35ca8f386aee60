import type { Currency } from '../money/currencies.ts';
import type { ChainDeps } from './clients.ts';

export type ChainDescription = {
  chainId: number;
  blockNumber: bigint;
  confirmations: number;
  contracts: Record<string, `0x${string}`>;
  currencies: Array<{ symbol: string; address: `0x${string}`; decimals: number }>;
};

/** The chain this platform writes to, its latest block, its contracts and the currencies licenses are sold in. */
export async function describeChain(deps: { chain: ChainDeps; currencies: readonly Currency[] }): Promise<ChainDescription> {
  return {
    chainId: deps.chain.chainId,
    blockNumber: await deps.chain.publicClient.getBlockNumber({ cacheTime: 1000 }),
    confirmations: deps.chain.confirmations,
    contracts: { ...deps.chain.addresses },
    currencies: deps.currencies.map((c) => ({ symbol: c.symbol, address: c.address, decimals: c.decimals })),
  };
}
