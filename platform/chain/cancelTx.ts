import type { Account } from 'viem';
import { ChainError, InputError } from '../errors.ts';
import { broadcastTx, type BroadcastTxReturnType } from './broadcastTx.ts';
import { replaceTx } from './replaceTx.ts';
import { signerOf, type StoredTx, type TxDeps } from './storedTx.ts';
import { txPolicyOf, type TxPolicy } from './txPolicy.ts';

export type CancelTxParameters = {
  tx: StoredTx;
  /** The sender's account when it is not the operator (a user's custodial key). */
  account?: Account | undefined;
  policy?: Partial<TxPolicy> | undefined;
};

/**
 * Gives up on a pending transaction for good without leaving a hole in the sender's nonces: signs a
 * 0-value transfer to the sender itself at the same nonce, with fees high enough to replace what
 * the node holds, stores it as the row's current version and broadcasts it. The original may still
 * be mined first; {@link settleTx} then says which one was (status `cancelled` or `mined`).
 *
 * @example
 * const cancelling = await cancelTx({ db, chain }, { tx })
 * const { status } = await settleTx({ db, chain }, { tx: cancelling })
 */
export async function cancelTx(deps: TxDeps, params: CancelTxParameters): Promise<{ tx: StoredTx; broadcast: BroadcastTxReturnType }> {
  const { tx } = params;
  if (tx.status !== 'sent') throw new InputError(`Transaction ${tx.id} is ${tx.status}: only a pending one can be cancelled.`);
  const account = signerOf(deps.chain, tx, params.account);
  if (!account) throw new ChainError(`No key to sign for ${tx.fromAddress}, the sender of transaction ${tx.id}.`, { retryable: false });
  const cancelling = await replaceTx(deps, { tx, account, kind: 'cancel', policy: txPolicyOf(deps.chain, params.policy) });
  if (cancelling.status !== 'sent') return { tx: cancelling, broadcast: { outcome: 'nonceTooLow', error: undefined } };
  return { tx: cancelling, broadcast: await broadcastTx(deps, { tx: cancelling }) };
}
