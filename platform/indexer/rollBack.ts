import { and, eq, gt } from 'drizzle-orm';
import { chainBlocks, chainEvents } from '../db/schema.ts';
import { lockCursor, setCursor, type Cursor } from './cursor.ts';
import { rebuildReceiptHolders } from './rebuildReceiptHolders.ts';
import { revertLicenseMirrors } from './revertLicenseMirrors.ts';
import type { IndexerDeps } from './types.ts';

export type RollBackParameters = {
  /** The cursor the fork was found from; nothing is done if another indexer moved it meanwhile. */
  expected: Cursor;
  /** The newest recorded block still on the chain; `null`: none is, start over from the deployment block. */
  fork: Cursor | null;
};

export type RollBackReturnType = { removedEvents: number; deletedLicenses: number } | null;

/**
 * Undoes everything recorded past the fork, in one transaction: deletes the events after it (their
 * earnings go with them), the block hashes after it, moves the cursor back to it, rebuilds who holds
 * which receipt from the remaining events, and reverts the licenses and terms written from the
 * deleted events (see `revertLicenseMirrors`).
 * @returns what was removed, or `null` when another indexer moved the cursor first
 */
export async function rollBack(deps: Pick<IndexerDeps, 'db' | 'chain'>, params: RollBackParameters): Promise<RollBackReturnType> {
  const { chainId } = deps.chain;
  const after = params.fork?.blockNumber ?? -1n;
  return deps.db.transaction(async (tx) => {
    if (!(await lockCursor(tx, chainId, params.expected))) return null;
    const removed = await tx
      .delete(chainEvents)
      .where(and(eq(chainEvents.chainId, chainId), gt(chainEvents.blockNumber, after)))
      .returning();
    await tx.delete(chainBlocks).where(and(eq(chainBlocks.chainId, chainId), gt(chainBlocks.blockNumber, after)));
    await setCursor(tx, chainId, params.fork);
    await rebuildReceiptHolders(tx, chainId);
    const { deletedLicenses } = await revertLicenseMirrors(tx, chainId, removed);
    return { removedEvents: removed.length, deletedLicenses };
  });
}
