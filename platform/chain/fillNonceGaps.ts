import { and, asc, eq, lt } from 'drizzle-orm';
import type { Account, Address } from 'viem';
import { chainTxs } from '../db/schema.ts';
import { ChainError } from '../errors.ts';
import { advanceTx } from './advanceTx.ts';
import type { TxDeps } from './storedTx.ts';
import type { TxPolicy } from './txPolicy.ts';

export type FillNonceGapsParameters = {
  /** The sender's account: filling a gap may mean re-signing (higher fees, or a cancel). */
  account: Account;
  policy: TxPolicy;
  /**
   * Only nonces below this one, from the first one not mined on: what a transaction waiting
   * behind them needs. Default: every stored nonce the node's pending count does not cover yet
   * (never broadcast, dropped from the pool, or queued behind a gap).
   */
  below?: number | undefined;
};

/**
 * Makes sure no stored transaction of `account` leaves a hole in its nonces: lowest first, each
 * pending one the chain has not mined is re-broadcast, replaced with higher fees when stuck, or
 * cancelled (a 0-value self-transfer at its nonce) when it can never be sent or would revert.
 * Returns how many it moved. A row that ends for good (cancelled, dropped, refused) does not stop
 * the others; a retryable failure (no ETH, no node) is thrown, since later nonces would wait anyway.
 */
export async function fillNonceGaps(deps: TxDeps, params: FillNonceGapsParameters): Promise<number> {
  const { db, chain } = deps;
  const from = params.account.address as Address;
  const mine = and(eq(chainTxs.chainId, chain.chainId), eq(chainTxs.fromAddress, from), eq(chainTxs.status, 'sent'));
  const open = await db
    .select()
    .from(chainTxs)
    .where(params.below === undefined ? mine : and(mine, lt(chainTxs.nonce, params.below)))
    .orderBy(asc(chainTxs.nonce));
  if (!open.length) return 0;
  let first: number;
  try {
    first = await chain.publicClient.getTransactionCount({ address: from, blockTag: params.below === undefined ? 'pending' : 'latest' });
  } catch (cause) {
    throw new ChainError('Could not read an account nonce from the chain.', { cause, retryable: true, details: from });
  }
  let moved = 0;
  for (const tx of open.filter((t) => t.nonce >= first)) {
    try {
      await advanceTx(deps, { tx, account: params.account, policy: params.policy });
      moved++;
    } catch (err) {
      if (err instanceof ChainError && !err.retryable) continue;
      throw err;
    }
  }
  return moved;
}

