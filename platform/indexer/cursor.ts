import { eq, sql } from 'drizzle-orm';
import { chainCursor } from '../db/schema.ts';
import type { Tx } from './types.ts';

/** The last block the indexer recorded on a chain, and its hash. */
export type Cursor = { blockNumber: bigint; blockHash: string };

/** Reads the cursor of `chainId`; `undefined` before the first pass. */
export async function readCursor(db: Tx, chainId: number): Promise<Cursor | undefined> {
  const [row] = await db
    .select({ blockNumber: chainCursor.blockNumber, blockHash: chainCursor.blockHash })
    .from(chainCursor)
    .where(eq(chainCursor.chainId, chainId));
  return row;
}

/**
 * Serialises indexing of `chainId` for the rest of the transaction (indexers in several processes
 * may run), then tells whether the cursor is still `expected`: if another indexer moved it since it
 * was read, this one's work is stale and must not be written.
 */
export async function lockCursor(tx: Tx, chainId: number, expected: Cursor | undefined): Promise<boolean> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`caravan:indexer:${chainId}`}))`);
  const now = await readCursor(tx, chainId);
  return now?.blockNumber === expected?.blockNumber && now?.blockHash === expected?.blockHash;
}

/** Moves the cursor of `chainId` to `to` (or removes it: the next pass starts at the deployment block). */
export async function setCursor(tx: Tx, chainId: number, to: Cursor | null): Promise<void> {
  if (!to) {
    await tx.delete(chainCursor).where(eq(chainCursor.chainId, chainId));
    return;
  }
  await tx
    .insert(chainCursor)
    .values({ chainId, ...to })
    .onConflictDoUpdate({ target: chainCursor.chainId, set: { ...to, updatedAt: new Date() } });
}
