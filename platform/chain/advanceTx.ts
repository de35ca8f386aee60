import { eq } from 'drizzle-orm';
import { parseTransaction, TransactionNotFoundError, type Account, type Address, type Hash, type Hex, type TransactionReceipt } from 'viem';
import { chainTxs } from '../db/schema.ts';
import { ChainError } from '../errors.ts';
import { broadcastTx } from './broadcastTx.ts';
import { classifyNodeError } from './classifyNodeError.ts';
import { findTxReceipt, type FindTxReceiptReturnType } from './findTxReceipt.ts';
import { replaceTx } from './replaceTx.ts';
import { currentVersion, type StoredTx, type TxDeps } from './storedTx.ts';
import type { TxPolicy } from './txPolicy.ts';

/** Where a stored transaction stands after one step. */
export type TxProgress =
  | { state: 'final'; status: 'mined' | 'reverted' | 'cancelled'; receipt: TransactionReceipt; tx: StoredTx }
  | { state: 'final'; status: 'dropped'; receipt?: undefined; tx: StoredTx }
  /** Mined, waiting for `chain.confirmations` blocks. */
  | { state: 'confirming'; tx: StoredTx }
  /** Not mined yet. `behindGap`: a lower nonce of the sender is missing or stuck, so this one cannot be mined first. */
  | { state: 'pending'; tx: StoredTx; behindGap: boolean };

export type AdvanceTxParameters = {
  tx: StoredTx;
  /** The sender's account. Without it a stuck transaction can only be re-broadcast, not replaced. */
  account?: Account | undefined;
  policy: TxPolicy;
  /** Replace the current version now, however recently it was signed (an operator's retry). */
  replaceNow?: boolean | undefined;
};

/**
 * One step of settling a stored transaction: finds the receipt of any of its versions (and marks the
 * row mined, reverted or cancelled once confirmed); otherwise makes sure the node has it: re-sends
 * the stored bytes, replaces them with higher fees when they have waited `policy.replaceAfterMs` or
 * the node refuses them as underpriced, and cancels a call that can never be sent or would revert, so
 * its nonce is still used. Throws a `ChainError` when the node refuses it for a reason fees cannot fix.
 */
export async function advanceTx(deps: TxDeps, params: AdvanceTxParameters): Promise<TxProgress> {
  const { chain } = deps;
  const { account, policy } = params;
  let tx = params.tx;
  const found = await findTxReceipt(deps, { tx });
  if (found) return finish(deps, tx, found);

  const from = tx.fromAddress as Address;
  const used = await chain.publicClient.getTransactionCount({ address: from, blockTag: 'latest' }).catch((cause: unknown) => {
    throw new ChainError('Could not read an account nonce from the chain.', { cause, retryable: true, details: from });
  });
  if (used > tx.nonce) return usedByAnother(deps, tx);
  const behindGap = used < tx.nonce;
  const current = currentVersion(tx);
  const stale = params.replaceNow || Date.now() - Date.parse(current.signedAt) >= policy.replaceAfterMs;

  let replaced = false;
  if (account && stale && !behindGap) {
    // A call that would now revert is not worth its fees: the nonce is used up by a cancel instead.
    const kind = current.kind === 'call' && (await wouldRevert(deps, tx)) ? 'cancel' : current.kind;
    tx = await replaceTx(deps, { tx, account, kind, policy });
    replaced = true;
  } else if (account && current.kind === 'call' && !(await nodeHas(deps, current.hash)) && (await wouldRevert(deps, tx))) {
    tx = await replaceTx(deps, { tx, account, kind: 'cancel', policy });
    replaced = true;
  }
  if (tx.status !== 'sent') return { state: 'pending', tx, behindGap: false };

  for (;;) {
    const sent = await broadcastTx(deps, { tx });
    switch (sent.outcome) {
      // nonceTooLow: mined meanwhile (by us or not); the next step finds out which.
      case 'accepted':
      case 'alreadyKnown':
      case 'nonceTooLow':
        return { state: 'pending', tx, behindGap };
      case 'nonceTooHigh':
        return { state: 'pending', tx, behindGap: true };
      case 'underpriced':
      case 'feeTooLow':
        // One replacement per step; if even that is refused, the next step bumps again.
        if (!account || replaced) return { state: 'pending', tx, behindGap };
        tx = await replaceTx(deps, { tx, account, policy });
        replaced = true;
        if (tx.status !== 'sent') return { state: 'pending', tx, behindGap };
        continue;
      case 'invalid':
        // The stored bytes can never go in; a cancel still uses the nonce, so later ones are not stuck.
        if (account && currentVersion(tx).kind === 'call') {
          tx = await replaceTx(deps, { tx, account, kind: 'cancel', policy });
          replaced = true;
          if (tx.status !== 'sent') return { state: 'pending', tx, behindGap };
          continue;
        }
        throw new ChainError(`The node refuses transaction ${tx.id} (${tx.key}) for good.`, { cause: sent.error, retryable: false, details: tx.hash });
      case 'insufficientFunds':
        throw new ChainError(`${from} has too little ETH to pay for transaction ${tx.id} (${tx.key}).`, {
          cause: sent.error,
          retryable: true,
          metaMessages: ['Fund the account; the stored transaction is sent again on the next try.'],
        });
      default:
        throw new ChainError(`Could not broadcast transaction ${tx.id} (${tx.key}).`, { cause: sent.error, retryable: true, details: tx.hash });
    }
  }
}

/** Marks the row final once its receipt has `chain.confirmations` blocks on top. */
async function finish(deps: TxDeps, tx: StoredTx, found: NonNullable<FindTxReceiptReturnType>): Promise<TxProgress> {
  const { chain, db } = deps;
  const { receipt, version } = found;
  const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
  if (head - receipt.blockNumber + 1n < BigInt(Math.max(1, chain.confirmations))) return { state: 'confirming', tx };
  const status = receipt.status !== 'success' ? 'reverted' : version.kind === 'cancel' ? 'cancelled' : 'mined';
  if (tx.status !== status || tx.hash !== version.hash) {
    const [row] = await db
      .update(chainTxs)
      .set({ status, blockNumber: receipt.blockNumber, hash: version.hash, raw: version.raw })
      .where(eq(chainTxs.id, tx.id))
      .returning();
    tx = row ?? tx;
  }
  return { state: 'final', status, receipt, tx };
}

/**
 * Its nonce is used, yet no version of it has a receipt. A receipt can trail the nonce for a moment
 * (a node behind a load balancer): the row is marked dropped only once the nonce has been used for
 * `chain.confirmations` blocks and a second look finds no receipt either.
 */
async function usedByAnother(deps: TxDeps, tx: StoredTx): Promise<TxProgress> {
  const { chain } = deps;
  const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
  const settledAt = head - BigInt(Math.max(0, chain.confirmations - 1));
  const usedThen = await chain.publicClient.getTransactionCount({ address: tx.fromAddress as Address, blockNumber: settledAt < 0n ? 0n : settledAt });
  if (usedThen <= tx.nonce) return { state: 'confirming', tx };
  await new Promise((r) => setTimeout(r, chain.publicClient.pollingInterval));
  const late = await findTxReceipt(deps, { tx });
  if (late) return finish(deps, tx, late);
  const [row] = await deps.db.update(chainTxs).set({ status: 'dropped' }).where(eq(chainTxs.id, tx.id)).returning();
  return { state: 'final', status: 'dropped', tx: row ?? tx };
}

/** Whether the node has this transaction (pending or mined). */
async function nodeHas(deps: TxDeps, hash: string): Promise<boolean> {
  try {
    await deps.chain.publicClient.getTransaction({ hash: hash as Hash });
    return true;
  } catch (err) {
    if (err instanceof TransactionNotFoundError) return false;
    throw new ChainError('Could not ask the chain for a transaction.', { cause: err, retryable: true, details: hash });
  }
}

/** Whether the stored call reverts if run now; a failure to ask is not a revert. */
async function wouldRevert(deps: TxDeps, tx: StoredTx): Promise<boolean> {
  const parsed = parseTransaction(currentVersion(tx).raw as Hex);
  try {
    await deps.chain.publicClient.call({ account: tx.fromAddress as Address, to: parsed.to, data: parsed.data, value: parsed.value });
    return false;
  } catch (err) {
    return classifyNodeError(err) === 'reverted';
  }
}
