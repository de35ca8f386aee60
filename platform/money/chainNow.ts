import type { ChainDeps } from '../chain/clients.ts';

/** The chain's time (the latest block's timestamp): what license expiries are compared with on-chain. */
export async function chainNow(deps: { chain: ChainDeps }): Promise<Date> {
  const block = await deps.chain.publicClient.getBlock({ blockTag: 'latest' });
  return new Date(Number(block.timestamp) * 1000);
}
