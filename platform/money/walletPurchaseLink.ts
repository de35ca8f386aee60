import { eq } from 'drizzle-orm';
import { encodeFunctionData, erc20Abi, zeroAddress, type Address } from 'viem';
import { licensesAbi } from '../../contracts/bindings/index.ts';
import { licenseTerms, users } from '../db/schema.ts';
import { InputError, NotFoundError } from '../errors.ts';
import { createWalletTxLink, type WalletCall } from '../wallets/createWalletTxLink.ts';
import { findCurrency, formatAmount } from './currencies.ts';
import { PriceChangedError } from './errors.ts';
import { describeKind } from './licenseKinds.ts';
import type { MoneyDeps } from './types.ts';

/**
 * For a user with a linked wallet: a one-time page where that wallet buys the license itself
 * (an ERC-20 approval when needed, then `Licenses.purchase` with `maxPrice` = the confirmed price,
 * the license minted to the wallet). The indexer records the license from its `LicensePurchased`
 * event, so chatting works once it is mined and indexed.
 */
export async function walletPurchaseLink(
  deps: MoneyDeps,
  params: { userId: number; termsRowId: number; maxPrice: bigint },
): Promise<{ url: string; expiresAt: Date }> {
  const { db, chain } = deps;
  const [user] = await db.select().from(users).where(eq(users.id, params.userId));
  if (!user?.walletAddress) throw new InputError('No wallet is linked: /link connects one, or pay from your balance.');
  const [terms] = await db.select().from(licenseTerms).where(eq(licenseTerms.id, params.termsRowId));
  if (!terms || terms.retired || terms.chainTermsId === null) throw new NotFoundError('This license is not on sale.');
  const licenses = chain.addresses.licenses!;
  const onChain = await chain.publicClient.readContract({ address: licenses, abi: licensesAbi, functionName: 'termsOf', args: [terms.chainTermsId] });
  const currency = findCurrency(deps.currencies, onChain.currency) ?? { symbol: 'units', address: onChain.currency, decimals: 0 };
  if (onChain.price > params.maxPrice)
    throw new PriceChangedError(`The price changed to ${formatAmount(onChain.price, currency)}. Nothing was prepared; open /buy again to see the new price.`);
  const wallet = user.walletAddress as Address;
  const isToken = onChain.currency !== zeroAddress;
  const calls: WalletCall[] = [];
  if (isToken)
    calls.push({
      to: onChain.currency,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [licenses, onChain.price] }),
      value: 0n,
      label: `Allow the Licenses contract to take ${formatAmount(onChain.price, currency)}`,
    });
  const what = describeKind(terms.kind, terms.durationSeconds, terms.quota);
  calls.push({
    to: licenses,
    data: encodeFunctionData({ abi: licensesAbi, functionName: 'purchase', args: [terms.chainTermsId, wallet, params.maxPrice] }),
    value: isToken ? 0n : onChain.price,
    label: `Buy the ${what} for ${formatAmount(onChain.price, currency)} (at most ${formatAmount(params.maxPrice, currency)})`,
  });
  return createWalletTxLink(deps, { userId: params.userId, title: `Buy a ${what}`, calls, ttlMs: 15 * 60_000 });
}
