import { TransactionReceiptNotFoundError, type Hash, type TransactionReceipt } from 'viem';
import type { ChainTxVersion } from '../db/schema.ts';
import { ChainError } from '../errors.ts';
import { versionsOf, type StoredTx, type TxChain } from './storedTx.ts';

export type FindTxReceiptReturnType = { receipt: TransactionReceipt; version: ChainTxVersion } | undefined;

/**
 * The receipt of whichever signed version of `tx` was mined, if one was: a replacement does not
 * always win (the original may be mined before the node sees it), so every version is looked up.
 */
export async function findTxReceipt(deps: { chain: TxChain }, params: { tx: StoredTx }): Promise<FindTxReceiptReturnType> {
  const versions = versionsOf(params.tx);
  const receipts = await Promise.all(
    versions.map((v) =>
      deps.chain.publicClient.getTransactionReceipt({ hash: v.hash as Hash }).catch((cause: unknown) => {
        if (cause instanceof TransactionReceiptNotFoundError) return undefined;
        throw new ChainError('Could not ask the chain for a transaction receipt.', { cause, retryable: true, details: v.hash });
      }),
    ),
  );
  const i = receipts.findIndex(Boolean);
  return i < 0 ? undefined : { receipt: receipts[i]!, version: versions[i]! };
}
