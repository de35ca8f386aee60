import { and, eq, lt, sql } from 'drizzle-orm';
import { toChainError } from '../chain/toChainError.ts';
import { chainBlocks, chainEvents, deployments } from '../db/schema.ts';
import { applyEvents } from './applyEvents.ts';
import { lockCursor, readCursor, setCursor, type Cursor } from './cursor.ts';
import { findForkPoint } from './findForkPoint.ts';
import { readBlock } from './readBlock.ts';
import { readBlockRange } from './readBlockRange.ts';
import { rollBack } from './rollBack.ts';
import { byChainOrder, type IndexerDeps, type StoredEvent } from './types.ts';

export type IndexChainParameters = {
  /** Most blocks read in one pass (one `eth_getLogs`). Default 1,000. */
  maxBlocks?: number | undefined;
};

export type IndexChainReturnType = {
  /** Blocks recorded by this pass; `null` when there was nothing new to read. */
  range: { from: bigint; to: bigint } | null;
  /** Events recorded by this pass (0 when another indexer had recorded them already). */
  events: number;
  /** Earnings rows written. */
  earnings: number;
  /** Set when the recorded chain was reorganised: the newest block still on the chain (null: none) and what was undone. */
  reorg: { fork: bigint | null; removedEvents: number; deletedLicenses: number } | null;
  /** The last recorded block after this pass (`null`: nothing recorded yet). */
  cursor: bigint | null;
  /** Head − confirmations: the newest block considered final. */
  target: bigint;
  /** The cursor reached `target`: nothing more to read now. */
  caughtUp: boolean;
};

/** Default of {@link IndexChainParameters.maxBlocks}. */
export const DEFAULT_MAX_BLOCKS = 1_000;

/** Block hashes kept behind the cursor to find a fork (older reorgs mean indexing everything again). */
export const BLOCK_HASHES_KEPT = 10_000n;

/**
 * One pass of the chain indexer. Reads the events of Caravan's contracts (registry, receipts, revenue
 * pool, licenses) in the next blocks up to the head minus `chain.confirmations`, records them in
 * `chain_events` and applies them to the derived tables: receipt holders, per-holder earnings (equal
 * to what `RevenuePool.claimable` says), licenses and terms. It starts at the deployment block.
 *
 * Reorg-safe: it first checks that the last recorded block is still on the chain; if not, it walks
 * back through the recorded block hashes to the fork and undoes everything after it (`rollBack`).
 * Idempotent: a range is recorded in one transaction with the cursor, events are keyed by block hash
 * and log index, and only events recorded now are applied; indexers in several processes take turns.
 *
 * @example
 * for (;;) if ((await indexChain({ db, chain, log })).caughtUp) break;
 */
export async function indexChain(deps: IndexerDeps, params: IndexChainParameters = {}): Promise<IndexChainReturnType> {
  const { db, chain, log } = deps;
  const maxBlocks = BigInt(Math.max(1, params.maxBlocks ?? DEFAULT_MAX_BLOCKS));
  let head: bigint;
  try {
    head = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
  } catch (cause) {
    throw toChainError(cause, 'eth_blockNumber');
  }
  const target = head - BigInt(chain.confirmations);

  let cursor = await readCursor(db, chain.chainId);
  let reorg: IndexChainReturnType['reorg'] = null;
  if (cursor && (await readBlock(chain, cursor.blockNumber))?.hash !== cursor.blockHash) {
    const fork = await findForkPoint(deps, { below: cursor.blockNumber });
    const undone = await rollBack(deps, { expected: cursor, fork });
    if (undone) {
      reorg = { fork: fork?.blockNumber ?? null, ...undone };
      log.warn({ chainId: chain.chainId, from: cursor.blockNumber, fork: reorg.fork, ...undone }, 'chain reorganised: indexed blocks past the fork undone');
    }
    cursor = await readCursor(db, chain.chainId);
  }

  const from = cursor ? cursor.blockNumber + 1n : await startBlock(deps);
  const done = (extra: Partial<IndexChainReturnType> = {}): IndexChainReturnType => ({
    range: null,
    events: 0,
    earnings: 0,
    reorg,
    cursor: cursor?.blockNumber ?? null,
    target,
    caughtUp: (cursor?.blockNumber ?? from - 1n) >= target,
    ...extra,
  });
  if (from > target) return done();
  const to = target < from + maxBlocks - 1n ? target : from + maxBlocks - 1n;

  const { events, blockHashes } = await readBlockRange(deps, { from, to, parentHash: cursor?.blockHash });
  const written = await db.transaction(async (tx) => {
    if (!(await lockCursor(tx, chain.chainId, cursor))) return null;
    const stored: StoredEvent[] = [];
    for (let i = 0; i < events.length; i += 500) {
      const rows = await tx
        .insert(chainEvents)
        .values(events.slice(i, i + 500).map((e) => ({ chainId: chain.chainId, ...e })))
        .onConflictDoNothing()
        .returning();
      stored.push(...rows);
    }
    stored.sort(byChainOrder);
    const applied = await applyEvents(tx, { chainId: chain.chainId, events: stored, context: events });
    const hashes = [...blockHashes].map(([blockNumber, blockHash]) => ({ chainId: chain.chainId, blockNumber, blockHash }));
    await tx
      .insert(chainBlocks)
      .values(hashes)
      .onConflictDoUpdate({ target: [chainBlocks.chainId, chainBlocks.blockNumber], set: { blockHash: sql`excluded.block_hash` } });
    await tx.delete(chainBlocks).where(and(eq(chainBlocks.chainId, chain.chainId), lt(chainBlocks.blockNumber, to - BLOCK_HASHES_KEPT)));
    const next: Cursor = { blockNumber: to, blockHash: blockHashes.get(to)! };
    await setCursor(tx, chain.chainId, next);
    return { events: stored.length, earnings: applied.earnings, next };
  });
  if (!written) {
    log.debug({ chainId: chain.chainId, from, to }, 'another indexer moved the cursor first');
    cursor = await readCursor(db, chain.chainId);
    return done();
  }
  cursor = written.next;
  if (written.events) log.debug({ chainId: chain.chainId, from, to, events: written.events, earnings: written.earnings }, 'blocks indexed');
  return done({ range: { from, to }, events: written.events, earnings: written.earnings });
}

/** Where indexing starts: the block Caravan was deployed at (0 when the deployment is not recorded). */
async function startBlock(deps: Pick<IndexerDeps, 'db' | 'chain' | 'log'>): Promise<bigint> {
  const [deployment] = await deps.db
    .select({ blockNumber: deployments.blockNumber })
    .from(deployments)
    .where(eq(deployments.chainId, deps.chain.chainId));
  if (deployment) return deployment.blockNumber;
  deps.log.warn({ chainId: deps.chain.chainId }, 'no deployment block recorded for this chain: indexing from block 0');
  return 0n;
}
