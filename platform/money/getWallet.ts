import { eq } from 'drizzle-orm';
import type { Address } from 'viem';
import { users } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { balanceOf } from './balanceOf.ts';
import type { Currency } from './currencies.ts';
import type { MoneyDeps } from './types.ts';

export type WalletView = {
  /** The address the platform holds the key of: licenses are paid from it, deposits go to it. */
  custodial: Address;
  /** The user's own wallet when linked (receipts and payouts go there). */
  linked: Address | null;
  /** Balances of the custodial address, read from the chain now. */
  balances: Array<{ currency: Currency; amount: bigint }>;
  chainId: number;
};

/** The user's addresses and custodial balances in every accepted currency, read from the chain. */
export async function getWallet(deps: MoneyDeps, userId: number): Promise<WalletView> {
  const [user] = await deps.db.select().from(users).where(eq(users.id, userId));
  if (!user) throw new NotFoundError(`User ${userId} does not exist.`);
  const custodial = user.custodialAddress as Address;
  const balances = await Promise.all(deps.currencies.map(async (currency) => ({ currency, amount: await balanceOf(deps, custodial, currency.address) })));
  return { custodial, linked: (user.walletAddress as Address | null) ?? null, balances, chainId: deps.chain.chainId };
}
