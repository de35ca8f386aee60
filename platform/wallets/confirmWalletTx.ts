import { isAddressEqual, isHash, TransactionNotFoundError, type Address, type Hash, type Transaction } from 'viem';
import type { ChainDeps } from '../chain/clients.ts';
import type { Db } from '../db/client.ts';
import { ChainError, InputError } from '../errors.ts';
import { consumeLinkToken } from './consumeLinkToken.ts';
import { readWalletTx } from './readWalletTx.ts';

export type ConfirmWalletTxParameters = {
  token: string;
  /** The hashes the wallet returned, one per call, in order. */
  hashes: string[];
  /** How long to look for a transaction the node has not seen yet. Default 30 s. */
  findTimeoutMs?: number | undefined;
};

export type ConfirmWalletTxReturnType = { transactions: Array<{ hash: Hash; label: string; blockNumber: bigint }> };

async function findTransaction(chain: Pick<ChainDeps, 'publicClient'>, hash: Hash, timeoutMs: number): Promise<Transaction> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await chain.publicClient.getTransaction({ hash });
    } catch (cause) {
      if (!(cause instanceof TransactionNotFoundError)) throw new ChainError('The chain does not answer.', { cause, retryable: true });
      if (Date.now() > deadline) throw new InputError(`Transaction ${hash} is not known to the chain.`, { cause });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * Checks that the linked wallet sent exactly the calls of a transaction link (sender, target,
 * data and value of each), waits until each is mined and succeeded, then marks the link used.
 *
 * @throws NotFoundError (unknown, expired or used link), WalletConflictError (the wallet changed),
 * InputError (a hash that is not one of the calls, or a call that reverted), ChainError (retryable:
 * the chain did not answer or mine in time).
 */
export async function confirmWalletTx(deps: { db: Db; chain: ChainDeps }, params: ConfirmWalletTxParameters): Promise<ConfirmWalletTxReturnType> {
  const { chain } = deps;
  const tx = await readWalletTx(deps, params.token);
  if (params.hashes.length !== tx.calls.length)
    throw new InputError(`Expected ${tx.calls.length} transaction hash${tx.calls.length === 1 ? '' : 'es'}, got ${params.hashes.length}.`);
  const hashes = params.hashes.map((h) => {
    if (!isHash(h)) throw new InputError(`"${h}" is not a transaction hash.`);
    return h;
  });
  const out: ConfirmWalletTxReturnType['transactions'] = [];
  for (const [i, hash] of hashes.entries()) {
    const call = tx.calls[i]!;
    const sent = await findTransaction(chain, hash, params.findTimeoutMs ?? 30_000);
    const same =
      isAddressEqual(sent.from, tx.from as Address) &&
      !!sent.to &&
      isAddressEqual(sent.to, call.to as Address) &&
      sent.input.toLowerCase() === call.data.toLowerCase() &&
      sent.value === BigInt(call.value);
    if (!same) throw new InputError(`Transaction ${hash} is not “${call.label}” sent from ${tx.from}.`);
    let receipt;
    try {
      receipt = await chain.publicClient.waitForTransactionReceipt({ hash, confirmations: Math.max(1, chain.confirmations), timeout: 120_000 });
    } catch (cause) {
      throw new ChainError(`Transaction ${hash} was not mined in time. Send the hashes again later.`, { cause, retryable: true });
    }
    if (receipt.status !== 'success') throw new InputError(`Transaction ${hash} (“${call.label}”) reverted on-chain.`);
    out.push({ hash, label: call.label, blockNumber: receipt.blockNumber });
  }
  await consumeLinkToken(deps, tx.link.id);
  return { transactions: out };
}
