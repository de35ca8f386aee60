import { eq } from 'drizzle-orm';
import { erc20Abi, getAddress, isAddress, zeroAddress, type Address, type Hash } from 'viem';
import { sendOnce, sendValueOnce } from '../chain/sendOnce.ts';
import { users } from '../db/schema.ts';
import { InputError, NotFoundError } from '../errors.ts';
import { balanceOf } from './balanceOf.ts';
import { formatAmount, type Currency } from './currencies.ts';
import { custodialAccount } from './custodialAccount.ts';
import { ensureGas, gasNeeded } from './ensureGas.ts';
import { InsufficientFundsError } from './errors.ts';
import type { MoneyDeps } from './types.ts';

/** Checks a withdrawal before it is confirmed: a real address that is not the user's own custodial one, an amount the balance covers. */
export async function checkWithdrawal(
  deps: MoneyDeps,
  params: { userId: number; to: string; amount: bigint; currency: Currency },
): Promise<{ to: Address; from: Address }> {
  if (!isAddress(params.to, { strict: false })) throw new InputError(`"${params.to}" is not an address (0x followed by 40 hex digits).`);
  const to = getAddress(params.to);
  if (to === zeroAddress) throw new InputError('Sending to the zero address would burn the funds.');
  if (params.amount <= 0n) throw new InputError('The amount must be above zero.');
  const [user] = await deps.db.select().from(users).where(eq(users.id, params.userId));
  if (!user) throw new NotFoundError(`User ${params.userId} does not exist.`);
  const from = user.custodialAddress as Address;
  if (to === getAddress(from)) throw new InputError('That is your custodial address already.');
  const balance = await balanceOf(deps, from, params.currency.address);
  // ETH also pays the transfer's gas, which the platform tops up only for what you do here.
  const reserve = params.currency.address === zeroAddress ? await gasNeeded(deps, 1) : 0n;
  if (params.amount + reserve > balance)
    throw new InsufficientFundsError(
      `You have ${formatAmount(balance, params.currency)}${reserve ? ` (of which ${formatAmount(reserve, params.currency)} stays for gas)` : ''}: ${formatAmount(params.amount + reserve - balance, params.currency)} short. Nothing was sent.`,
    );
  return { to, from };
}

/**
 * Moves `amount` of `currency` from the user's custodial address to `to` (after the user confirmed
 * it), sent once per `requestKey`; the platform pays the gas of token transfers.
 */
export async function withdrawFunds(
  deps: MoneyDeps,
  params: { userId: number; to: string; amount: bigint; currency: Currency; requestKey: string },
): Promise<{ txHash: Hash; to: Address }> {
  const { to, from } = await checkWithdrawal(deps, params);
  const account = await custodialAccount(deps, params.userId);
  if (params.currency.address === zeroAddress) {
    const receipt = await sendValueOnce(deps, { key: `withdraw:${params.requestKey}`, account, to, value: params.amount });
    return { txHash: receipt.transactionHash, to };
  }
  await ensureGas(deps, { userId: params.userId, address: from, needWei: await gasNeeded(deps, 1) });
  const receipt = await sendOnce(deps, {
    key: `withdraw:${params.requestKey}`,
    account,
    address: params.currency.address,
    abi: erc20Abi,
    functionName: 'transfer',
    args: [to, params.amount],
  });
  return { txHash: receipt.transactionHash, to };
}
