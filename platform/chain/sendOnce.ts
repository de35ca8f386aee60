import { and, eq, max, sql } from 'drizzle-orm';
import {
  encodeFunctionData,
  keccak256,
  type Abi,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hex,
  type TransactionReceipt,
  type Address,
  type LocalAccount,
} from 'viem';
import type { Db } from '../db/client.ts';
import { chainTxs } from '../db/schema.ts';
import { ChainError } from '../errors.ts';
import { assertCanSend, type ChainDeps } from './clients.ts';
import { fillNonceGaps } from './fillNonceGaps.ts';
import { settleTx } from './settleTx.ts';
import type { StoredTx } from './storedTx.ts';
import { toChainError } from './toChainError.ts';
import { txPolicyOf } from './txPolicy.ts';

export { toChainError };

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
 * One not mined within `chain.txPolicy.replaceAfterMs` is re-signed at its nonce with higher
 * fees (each version kept: whichever is mined counts), up to `maxFeePerGas`; see {@link settleTx}.
 */
export async function sendOnce<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
>(deps: SendOnceDeps, params: SendOnceParameters<abi, functionName>): Promise<TransactionReceipt> {
  const { db, chain } = deps;
  const existing = await findTx(db, chain.chainId, params.key);
  if (existing) return settle(deps, existing, params.account);

  const account = params.account ?? chain.account;
  assertCanSend(account);
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
  return settle(deps, stored, account);
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
  if (existing) return settle(deps, existing, params.account);
  const account = params.account ?? deps.chain.account;
  assertCanSend(account);
  const stored = await signAndStore(deps, { key: params.key, account, to: params.to, data: '0x', value: params.value, what: 'a transfer' });
  return settle(deps, stored, account);
}

/** Under the sender's nonce lock: picks the nonce, signs, and stores the transaction before anything is broadcast. */
async function signAndStore(
  deps: SendOnceDeps,
  params: { key: string; account: LocalAccount | ChainDeps['account']; to: Address; data: Hex; value: bigint; what: string },
): Promise<StoredTx> {
  const { db, chain } = deps;
  const { account, data, value } = params;
  const from = account.address;
  const policy = txPolicyOf(chain);
  // A stored transaction of this sender that the node lacks would hold the new one back: send it
  // (or cancel it) first, so the nonce picked below does not wait behind a gap.
  await fillNonceGaps(deps, { account, policy });
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
    const raw = await chain.walletClient.signTransaction({ ...capFees(request, policy.maxFeePerGas), account } as never);
    const hash = keccak256(raw);
    const [inserted] = await tx
      .insert(chainTxs)
      .values({
        key: params.key,
        chainId: chain.chainId,
        fromAddress: from,
        nonce,
        hash,
        raw,
        history: [{ hash, raw, kind: 'call', signedAt: new Date().toISOString() }],
      })
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

/** Never signs more than the cap; if the network asks more, replacement waits for fees to fall. */
function capFees<T extends { maxFeePerGas?: bigint | undefined; maxPriorityFeePerGas?: bigint | undefined; gasPrice?: bigint | undefined }>(
  request: T,
  cap: bigint,
): T {
  const under = (v: bigint | undefined) => (v !== undefined && v > cap ? cap : v);
  return {
    ...request,
    ...(request.maxFeePerGas !== undefined ? { maxFeePerGas: under(request.maxFeePerGas), maxPriorityFeePerGas: under(request.maxPriorityFeePerGas) } : {}),
    ...(request.gasPrice !== undefined ? { gasPrice: under(request.gasPrice) } : {}),
  };
}

/**
 * Settles a stored transaction (re-broadcast, replaced when stuck, gaps below it filled) and
 * returns its receipt; a revert, a cancel or a nonce used by another transaction is final.
 */
async function settle(deps: SendOnceDeps, stored: StoredTx, account?: LocalAccount | ChainDeps['account']): Promise<TransactionReceipt> {
  const settled = await settleTx(deps, { tx: stored, account });
  const { tx } = settled;
  switch (settled.status) {
    case 'mined':
      return settled.receipt;
    case 'reverted':
      throw new ChainError(`Transaction ${tx.hash} reverted on-chain.`, { details: `key ${tx.key}`, retryable: false });
    case 'cancelled':
      throw new ChainError(`Transaction ${tx.key} was cancelled: an empty transfer (${tx.hash}) took its nonce ${tx.nonce}.`, { retryable: false });
    case 'dropped':
      throw new ChainError(`Transaction ${tx.key} was not sent: nonce ${tx.nonce} of ${tx.fromAddress} went to a transaction Caravan has no record of.`, {
        retryable: false,
        metaMessages: ['Is the same key used by another wallet or process?'],
      });
  }
}
