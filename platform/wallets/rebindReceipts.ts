import { and, eq, inArray } from 'drizzle-orm';
import { ContractFunctionRevertedError, getAddress, isAddressEqual, isHex, parseEventLogs, type Address, type Hash, type Hex } from 'viem';
import { receiptsAbi } from '../../contracts/bindings/index.ts';
import { sendOnce, toChainError } from '../chain/sendOnce.ts';
import { receipts } from '../db/schema.ts';
import { ChainError, InputError } from '../errors.ts';
import { custodialAccount } from '../money/custodialAccount.ts';
import { ensureGas, gasNeeded } from '../money/ensureGas.ts';
import type { MoneyDeps } from '../money/types.ts';
import { findWalletUser } from './findWalletUser.ts';
import { listHeldReceipts } from './listHeldReceipts.ts';

export type RebindReceiptsParameters = {
  userId: number;
  /** The linked wallet's EIP-712 signature of `Rebind(from, to, nonce, deadline)` (see `prepareRebind`). */
  signature: string;
  deadline: bigint;
  /** The nonce that was signed; default `nonces(wallet)` now. A retry passes the one it signed. */
  nonce?: bigint | undefined;
};

export type RebindReceiptsReturnType = {
  txHash: Hash;
  to: Address;
  /** Chain ids of the receipts the transaction moved (from its ReceiptRebound events). */
  moved: bigint[];
};

/** What the contract's refusals mean for the person on the page. */
const REFUSALS: Record<string, string> = {
  ReceiptsInvalidSignature:
    'The wallet’s signature does not allow this move (signed by another account, for other values, or already used). Nothing was moved: sign again on the page.',
  ReceiptsExpiredSignature: 'The signature expired before the move was sent. Nothing was moved: sign again on the page.',
  ReceiptsInvalidRebindTarget: 'Receipts cannot move to that address.',
};

/** The contract's refusal as an InputError with words for people, or the ChainError itself. */
function refusal(err: ChainError): InputError | ChainError {
  if (err.retryable) return err;
  const revert = err.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | undefined;
  const message = revert?.data?.errorName ? REFUSALS[revert.data.errorName] : undefined;
  return message ? new InputError(message, { cause: err }) : err;
}

/**
 * Moves the receipts held at the user's custodial address to their linked wallet: the custodial
 * account sends `Receipts.rebind(ids, wallet, deadline, signature)` (at most once per
 * user, wallet and signed nonce), the platform paying its gas (`ensureGas`). The call is simulated
 * first, so a bad or expired signature is refused before any gas is sent and nothing changes.
 * The receipts' recorded holder is updated from the mined transaction's `ReceiptRebound` events.
 *
 * @throws InputError (no wallet, nothing to move, a refused signature), LimitExceededError (gas
 * top-ups used up today), ChainError (retryable: the chain did not answer or mine in time).
 */
export async function rebindReceipts(deps: MoneyDeps, params: RebindReceiptsParameters): Promise<RebindReceiptsReturnType> {
  const { chain, db } = deps;
  if (!isHex(params.signature) || params.signature.length < 4) throw new InputError('The signature is not a hex string.');
  const signature = params.signature as Hex;
  const { wallet, custodial } = await findWalletUser(deps, params.userId);
  const held = await listHeldReceipts(deps, { userId: params.userId, holder: custodial });
  if (!held.length) throw new InputError('No receipts wait at the address Caravan kept for you: there is nothing to move.');
  const ids = held.map((r) => r.chainReceiptId);
  const account = await custodialAccount(deps, params.userId);
  if (!isAddressEqual(account.address, custodial)) throw new ChainError(`The custodial key of user ${params.userId} does not match their address.`);

  const current = await chain.publicClient.readContract({ address: chain.addresses.receipts, abi: receiptsAbi, functionName: 'nonces', args: [wallet] });
  const nonce = params.nonce ?? current;
  const call = { address: chain.addresses.receipts, abi: receiptsAbi, functionName: 'rebind', args: [ids, wallet, params.deadline, signature] } as const;
  if (nonce === current) {
    // Refuse a bad signature before the platform pays for gas.
    try {
      await chain.publicClient.simulateContract({ ...call, account });
    } catch (cause) {
      throw refusal(toChainError(cause, 'the move of your receipts'));
    }
    await ensureGas(deps, { userId: params.userId, address: custodial, needWei: await gasNeeded(deps, 1) });
  }
  // A nonce below the current one is a retry: sendOnce finds the transaction sent for it, or
  // (never sent) its simulation refuses the stale signature.
  let mined;
  try {
    mined = await sendOnce(deps, { ...call, key: `rebind:${params.userId}:${wallet}:${nonce}`, account });
  } catch (err) {
    throw err instanceof ChainError ? refusal(err) : err;
  }

  const events = parseEventLogs({ abi: receiptsAbi, logs: mined.logs, eventName: 'ReceiptRebound' }).filter((e) =>
    isAddressEqual(e.address, chain.addresses.receipts),
  );
  const byHolder = new Map<Address, bigint[]>();
  for (const e of events) {
    const to = getAddress(e.args.to);
    byHolder.set(to, [...(byHolder.get(to) ?? []), e.args.receiptId]);
  }
  for (const [to, moved] of byHolder)
    await db
      .update(receipts)
      .set({ holderAddress: to })
      .where(and(eq(receipts.userId, params.userId), inArray(receipts.chainReceiptId, moved)));
  deps.log.info({ userId: params.userId, to: wallet, receipts: events.length, tx: mined.transactionHash }, 'receipts rebound to a linked wallet');
  return { txHash: mined.transactionHash, to: wallet, moved: events.map((e) => e.args.receiptId) };
}
