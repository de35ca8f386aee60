import { and, asc, eq } from 'drizzle-orm';
import type { Account } from 'viem';
import type { AesKey } from '../crypto/aead.ts';
import { chainTxs } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import { advanceTx, type TxProgress } from './advanceTx.ts';
import { findTransaction } from './findTransaction.ts';
import { settleTx } from './settleTx.ts';
import { signerForAddress } from './signerForAddress.ts';
import { signerOf, type StoredTx, type TxDeps } from './storedTx.ts';
import { txPolicyOf, type TxPolicy } from './txPolicy.ts';

export type ReconcileTransactionsDeps = TxDeps & {
  log?: Logger | undefined;
  /** Opens users' custodial keys, so that their stuck transactions can be replaced too (else only re-sent). */
  masterKey?: AesKey | undefined;
};

export type ReconcileTransactionsParameters = {
  /** Settle each one to the end (receipts awaited, replaced while stuck). Default: one step each, no waiting. */
  wait?: boolean | undefined;
  policy?: Partial<TxPolicy> | undefined;
};

export type ReconcileTransactionsReturnType = Record<'checked' | 'mined' | 'reverted' | 'cancelled' | 'dropped' | 'pending' | 'failed', number>;

/**
 * Finds the transactions of this chain left `sent` (a crash between storing and the receipt) and
 * moves each one on, lowest nonce of each sender first: a mined one is marked mined, reverted or
 * cancelled from its receipt; one the node lost is re-broadcast; a stuck one is replaced with
 * higher fees; one that can never go in is cancelled. Runs at worker start; by default one step
 * per transaction without waiting (the jobs that own them settle them to the end when they retry).
 * Returns how many ended how; a transaction that fails is logged and counted, never thrown.
 */
export async function reconcileTransactions(
  deps: ReconcileTransactionsDeps,
  params: ReconcileTransactionsParameters = {},
): Promise<ReconcileTransactionsReturnType> {
  const { db, chain, log } = deps;
  const policy = txPolicyOf(chain, params.policy);
  const open = await db
    .select()
    .from(chainTxs)
    .where(and(eq(chainTxs.chainId, chain.chainId), eq(chainTxs.status, 'sent')))
    .orderBy(asc(chainTxs.fromAddress), asc(chainTxs.nonce));
  const counts: ReconcileTransactionsReturnType = { checked: open.length, mined: 0, reverted: 0, cancelled: 0, dropped: 0, pending: 0, failed: 0 };
  const signers = new Map<string, Account | undefined>();
  for (const row of open) {
    try {
      const from = row.fromAddress.toLowerCase();
      if (!signers.has(from)) signers.set(from, await signerFor(deps, row));
      const account = signers.get(from);
      // Moving a lower nonce of the same sender may have settled this one already.
      const tx = (await findTransaction(deps, row.id)) ?? row;
      if (tx.status !== 'sent') {
        counts[tx.status]++;
        continue;
      }
      const progress: TxProgress = params.wait ? await settleTx(deps, { tx, account, policy }) : await advanceTx(deps, { tx, account, policy });
      if (progress.state === 'final') counts[progress.status]++;
      else counts.pending++;
    } catch (err) {
      counts.failed++;
      log?.warn({ err, tx: row.id, key: row.key }, 'a stored transaction could not be settled');
    }
  }
  if (open.length) log?.info(counts, 'transactions left pending by an earlier run were checked');
  return counts;
}

async function signerFor(deps: ReconcileTransactionsDeps, tx: StoredTx): Promise<Account | undefined> {
  const own = signerOf(deps.chain, tx);
  if (own || !deps.masterKey) return own;
  return signerForAddress({ db: deps.db, masterKey: deps.masterKey }, tx.fromAddress);
}
