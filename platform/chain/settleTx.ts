import { eq } from 'drizzle-orm';
import type { Account, Address } from 'viem';
import { chainTxs } from '../db/schema.ts';
import { BaseError, ChainError } from '../errors.ts';
import { advanceTx, type TxProgress } from './advanceTx.ts';
import { fillNonceGaps } from './fillNonceGaps.ts';
import { currentVersion, signerOf, type StoredTx, type TxDeps } from './storedTx.ts';
import { txPolicyOf, type TxPolicy } from './txPolicy.ts';

export type SettleTxParameters = {
  tx: StoredTx;
  /** The sender's account when it is not the operator (a user's custodial key). */
  account?: Account | undefined;
  /** Overrides of `chain.txPolicy` for this call. */
  policy?: Partial<TxPolicy> | undefined;
  /** Replace the current version at once instead of after `replaceAfterMs` (an operator's retry or cancel). */
  replaceNow?: boolean | undefined;
};

export type SettleTxReturnType = Extract<TxProgress, { state: 'final' }>;

/**
 * Drives a stored transaction until one of its versions is mined with `chain.confirmations`
 * blocks on top (or its nonce is found used by another): step by step with {@link advanceTx},
 * waiting between steps for the sender's nonce to move, replacing the transaction with higher
 * fees each time it has waited `replaceAfterMs`, and filling lower nonces it waits behind.
 * Throws a retryable `ChainError` after `waitMs` (the job tries again later, where it left off).
 */
export async function settleTx(deps: TxDeps, params: SettleTxParameters): Promise<SettleTxReturnType> {
  const { chain } = deps;
  const policy = txPolicyOf(chain, params.policy);
  const account = signerOf(chain, params.tx, params.account);
  const deadline = Date.now() + policy.waitMs;
  let tx = params.tx;
  let replaceNow = params.replaceNow;
  try {
    for (;;) {
      const progress = await advanceTx(deps, { tx, account, policy, replaceNow });
      replaceNow = false;
      if (progress.state === 'final') return progress;
      if (progress.state === 'pending' && progress.behindGap && account) await fillNonceGaps(deps, { account, policy, below: progress.tx.nonce });
      if (Date.now() >= deadline)
        throw new ChainError(`Transaction ${tx.id} (${tx.key}) was not mined in time.`, {
          retryable: true,
          details: `nonce ${tx.nonce} of ${tx.fromAddress}, last hash ${progress.tx.hash}`,
        });
      const staleAt = Date.parse(currentVersion(progress.tx).signedAt) + policy.replaceAfterMs;
      await waitForNonce(deps, { from: tx.fromAddress as Address, nonce: tx.nonce, until: progress.state === 'confirming' ? 0 : Math.min(deadline, staleAt) });
      // Another process (the reconciler, an operator) may have replaced it meanwhile.
      const [fresh] = await deps.db.select().from(chainTxs).where(eq(chainTxs.id, tx.id));
      tx = fresh ?? progress.tx;
    }
  } catch (err) {
    if (err instanceof BaseError) throw err;
    throw new ChainError(`Transaction ${tx.id} (${tx.key}) could not be settled.`, { cause: err, retryable: true, details: tx.hash });
  }
}

/** Polls until the sender's mined nonce passes `nonce` or the clock passes `until` (at least one poll). */
async function waitForNonce(deps: TxDeps, params: { from: Address; nonce: number; until: number }): Promise<void> {
  const { publicClient } = deps.chain;
  for (;;) {
    await new Promise((r) => setTimeout(r, publicClient.pollingInterval));
    if (Date.now() >= params.until) return;
    if ((await publicClient.getTransactionCount({ address: params.from, blockTag: 'latest' })) > params.nonce) return;
  }
}
