import { and, eq, max, sql } from 'drizzle-orm';
import {
  BaseError as ViemBaseError,
  ContractFunctionRevertedError,
  encodeFunctionData,
  keccak256,
  type Abi,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hash,
  type Hex,
  type TransactionReceipt,
  type Address,
  type LocalAccount,
} from 'viem';
import type { Db } from '../db/client.ts';
import { chainTxs } from '../db/schema.ts';
import { ChainError } from '../errors.ts';
import type { ChainDeps } from './clients.ts';

export type SendOnceParameters<
  abi extends Abi,
  functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
> = {
  /** Idempotency key: the same key never sends a second transaction. */
  key: string;
  address: Address;
  abi: abi;
  functionName: functionName;
  args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>;
  /** Wei sent with a payable call. */
  value?: bigint;
  /** Who signs and pays: a user's custodial account; default the platform operator. */
  account?: LocalAccount;
};

export type SendOnceDeps = { db: Db; chain: ChainDeps };

/**
 * Sends a contract call at most once per `key` and returns its receipt.
 *
 * The call is simulated first (a revert throws a non-retryable `ChainError` and stores
 * nothing); then, under a per-sender advisory lock, a nonce is chosen, the transaction is
 * signed and stored in `chain_txs` *before* it is broadcast. A retry after a crash finds the
 * stored transaction and re-broadcasts the same bytes, so the chain sees one transaction.
 */
export async function sendOnce<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
>(deps: SendOnceDeps, params: SendOnceParameters<abi, functionName>): Promise<TransactionReceipt> {
  const { db, chain } = deps;
  const existing = await findTx(db, chain.chainId, params.key);
  if (existing) return settle(deps, existing);

  const account = params.account ?? chain.account;
  try {
    await chain.publicClient.simulateContract({
      account,
      ...(params.value ? { value: params.value } : {}),
      address: params.address,
      abi: params.abi as Abi,
      functionName: params.functionName as string,
      args: params.args as readonly unknown[],
    });
  } catch (cause) {
    throw toChainError(cause, `${params.functionName}`);
  }
  const data = encodeFunctionData({
    abi: params.abi as Abi,
    functionName: params.functionName as string,
    args: params.args as readonly unknown[],
  });

  const stored = await signAndStore(deps, { key: params.key, account, to: params.address, data, value: params.value ?? 0n, what: params.functionName });
  return settle(deps, stored);
}

/**
 * Sends `value` wei from `account` (default the operator) to `to` at most once per `key`, with the
 * same write-ahead log and nonce lock as {@link sendOnce}, so it never races a contract call for a nonce.
 */
export async function sendValueOnce(
  deps: SendOnceDeps,
  params: { key: string; to: Address; value: bigint; account?: LocalAccount },
): Promise<TransactionReceipt> {
  const existing = await findTx(deps.db, deps.chain.chainId, params.key);
  if (existing) return settle(deps, existing);
  const account = params.account ?? deps.chain.account;
  const stored = await signAndStore(deps, { key: params.key, account, to: params.to, data: '0x', value: params.value, what: 'a transfer' });
  return settle(deps, stored);
}

/** Under the sender's nonce lock: picks the nonce, signs, and stores the transaction before anything is broadcast. */
async function signAndStore(
  deps: SendOnceDeps,
  params: { key: string; account: LocalAccount | ChainDeps['account']; to: Address; data: Hex; value: bigint; what: string },
): Promise<StoredTx> {
  const { db, chain } = deps;
  const { account, data, value } = params;
  const from = account.address;
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`caravan:nonce:${chain.chainId}:${from.toLowerCase()}`}))`);
    // Another worker may have sent it while we waited for the lock.
    const again = await tx
      .select()
      .from(chainTxs)
      .where(and(eq(chainTxs.chainId, chain.chainId), eq(chainTxs.key, params.key)));
    if (again[0]) return again[0];
    const [row] = await tx
      .select({ n: max(chainTxs.nonce) })
      .from(chainTxs)
      .where(and(eq(chainTxs.chainId, chain.chainId), eq(chainTxs.fromAddress, from)));
    const onChain = await chain.publicClient.getTransactionCount({ address: from, blockTag: 'pending' });
    const nonce = Math.max(onChain, row?.n == null ? 0 : row.n + 1);
    let request;
    try {
      // Estimates against the latest block can fall short by the time the transaction lands
      // (receipt vote checkpoints grow state), so a margin keeps it from running out of gas.
      const estimate = await chain.publicClient.estimateGas({ account, to: params.to, data, value });
      request = await chain.walletClient.prepareTransactionRequest({
        account,
        to: params.to,
        data,
        value,
        nonce,
        gas: (estimate * 13n) / 10n + 10_000n,
        chain: chain.publicClient.chain,
      });
    } catch (cause) {
      throw toChainError(cause, params.what);
    }
    const raw = await chain.walletClient.signTransaction({ ...(request as object), account } as never);
    const hash = keccak256(raw);
    const [inserted] = await tx
      .insert(chainTxs)
      .values({ key: params.key, chainId: chain.chainId, fromAddress: from, nonce, hash, raw })
      .returning();
    return inserted!;
  });
}

async function findTx(db: Db, chainId: number, key: string) {
  const rows = await db
    .select()
    .from(chainTxs)
    .where(and(eq(chainTxs.chainId, chainId), eq(chainTxs.key, key)));
  return rows[0];
}

type StoredTx = typeof chainTxs.$inferSelect;

async function settle(deps: SendOnceDeps, stored: StoredTx): Promise<TransactionReceipt> {
  const { chain, db } = deps;
  const hash = stored.hash as Hash;
  let receipt = await chain.publicClient.getTransactionReceipt({ hash }).catch(() => undefined);
  if (!receipt) {
    try {
      await chain.publicClient.sendRawTransaction({ serializedTransaction: stored.raw as `0x${string}` });
    } catch (cause) {
      // "already known" / "nonce too low" mean the transaction (or its twin) is in already.
      const msg = String((cause as Error).message ?? cause).toLowerCase();
      if (!msg.includes('already') && !msg.includes('nonce too low') && !msg.includes('known'))
        throw new ChainError('Could not broadcast a transaction.', { cause, retryable: true, details: hash });
    }
    try {
      receipt = await chain.publicClient.waitForTransactionReceipt({
        hash,
        confirmations: Math.max(1, chain.confirmations),
        timeout: 120_000,
      });
    } catch (cause) {
      throw new ChainError('A transaction was not mined in time.', { cause, retryable: true, details: hash });
    }
  }
  const status = receipt.status === 'success' ? 'mined' : 'reverted';
  if (stored.status !== status)
    await db.update(chainTxs).set({ status, blockNumber: receipt.blockNumber }).where(eq(chainTxs.id, stored.id));
  if (status === 'reverted')
    throw new ChainError(`Transaction ${hash} reverted on-chain.`, { details: `key ${stored.key}`, retryable: false });
  return receipt;
}

/** Turns viem errors into `ChainError`: contract reverts are final, transport errors retryable. */
export function toChainError(cause: unknown, what: string): ChainError {
  if (cause instanceof ViemBaseError) {
    const revert = cause.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) {
      const reason = revert.data?.errorName ?? revert.reason ?? 'unknown reason';
      return new ChainError(`The contract refused ${what}: ${reason}.`, { cause, retryable: false });
    }
    return new ChainError(`Chain call ${what} failed: ${cause.shortMessage}`, { cause, retryable: true });
  }
  return new ChainError(`Chain call ${what} failed.`, { cause, retryable: true });
}
