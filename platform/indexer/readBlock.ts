import { BlockNotFoundError, type Hash } from 'viem';
import { toChainError } from '../chain/toChainError.ts';
import type { IndexerDeps } from './types.ts';

/** A block's hash and its parent's, as the chain says now. */
export type BlockHeader = { number: bigint; hash: Hash; parentHash: Hash };

/**
 * Reads block `blockNumber`'s header; `null` when the chain has no such block (it is shorter
 * now, after a reorg). RPC failures are retryable ChainErrors.
 */
export async function readBlock(chain: IndexerDeps['chain'], blockNumber: bigint): Promise<BlockHeader | null> {
  try {
    const block = await chain.publicClient.getBlock({ blockNumber });
    return { number: blockNumber, hash: block.hash, parentHash: block.parentHash };
  } catch (cause) {
    if (cause instanceof BlockNotFoundError) return null;
    throw toChainError(cause, `eth_getBlockByNumber(${blockNumber})`);
  }
}
