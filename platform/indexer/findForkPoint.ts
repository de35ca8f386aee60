import { and, desc, eq, lt } from 'drizzle-orm';
import { chainBlocks } from '../db/schema.ts';
import { readBlock } from './readBlock.ts';
import type { IndexerDeps } from './types.ts';

/** Stored block hashes compared per round trip to the database. */
const PAGE = 32;

/**
 * Walks back through the recorded block hashes below `below` and returns the newest block whose
 * hash the chain still has at that height: the fork point, up to which every recorded event is
 * still on the chain. `null` when none matches (the reorg is deeper than the hashes kept): then
 * everything must be indexed again.
 */
export async function findForkPoint(deps: Pick<IndexerDeps, 'db' | 'chain'>, params: { below: bigint }): Promise<{ blockNumber: bigint; blockHash: string } | null> {
  const { db, chain } = deps;
  let below = params.below;
  for (;;) {
    const stored = await db
      .select({ blockNumber: chainBlocks.blockNumber, blockHash: chainBlocks.blockHash })
      .from(chainBlocks)
      .where(and(eq(chainBlocks.chainId, chain.chainId), lt(chainBlocks.blockNumber, below)))
      .orderBy(desc(chainBlocks.blockNumber))
      .limit(PAGE);
    if (!stored.length) return null;
    for (const block of stored) {
      const now = await readBlock(chain, block.blockNumber);
      if (now?.hash === block.blockHash) return block;
    }
    below = stored.at(-1)!.blockNumber;
  }
}
