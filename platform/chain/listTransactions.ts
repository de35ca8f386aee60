import { and, desc, eq, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { chainTxs } from '../db/schema.ts';
import type { StoredTx } from './storedTx.ts';

export type ListTransactionsParameters = {
  /** Only this chain's (default: every chain's). */
  chainId?: number | undefined;
  status?: StoredTx['status'] | undefined;
  /** Newest first, at most this many (default 50). */
  limit?: number | undefined;
};

/** The stored transactions, newest first, for an operator to look at. */
export async function listTransactions(deps: { db: Db }, params: ListTransactionsParameters = {}): Promise<StoredTx[]> {
  const where: SQL[] = [];
  if (params.chainId !== undefined) where.push(eq(chainTxs.chainId, params.chainId));
  if (params.status) where.push(eq(chainTxs.status, params.status));
  return deps.db
    .select()
    .from(chainTxs)
    .where(and(...where))
    .orderBy(desc(chainTxs.id))
    .limit(params.limit ?? 50);
}
