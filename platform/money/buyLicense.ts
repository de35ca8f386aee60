import { eq } from 'drizzle-orm';
import { erc20Abi, getAddress, parseEventLogs, zeroAddress, type Address } from 'viem';
import { licensesAbi } from '../../contracts/bindings/index.ts';
import { sendOnce } from '../chain/sendOnce.ts';
import { licenseTerms, licenses, users } from '../db/schema.ts';
import { ChainError, InputError, NotFoundError } from '../errors.ts';
import { balanceOf } from './balanceOf.ts';
import { findCurrency, formatAmount, type Currency } from './currencies.ts';
import { custodialAccount } from './custodialAccount.ts';
import { ensureGas, gasNeeded } from './ensureGas.ts';
import { InsufficientFundsError, PriceChangedError } from './errors.ts';
import { LICENSE_KIND_OF_CHAIN } from './licenseKinds.ts';
import type { MoneyDeps } from './types.ts';

export type LicenseRow = typeof licenses.$inferSelect;

/**
 * Buys a license under `termsRowId` for `userId`, paid from their custodial balance, at no more
 * than `maxPrice` (the price on the card they confirmed). Refused with nothing paid when the price
 * rose (`PriceChangedError`) or the balance is short (`InsufficientFundsError`, saying how much is
 * missing). The platform pays the gas. Each transaction is sent once per `requestKey` (the
 * confirmation), so a double press or a retry after a crash buys one license.
 */
export async function buyLicense(
  deps: MoneyDeps,
  params: { userId: number; termsRowId: number; maxPrice: bigint; requestKey: string },
): Promise<LicenseRow> {
  const { db, chain } = deps;
  const [terms] = await db.select().from(licenseTerms).where(eq(licenseTerms.id, params.termsRowId));
  if (!terms || terms.retired || terms.chainTermsId === null) throw new NotFoundError('This license is not on sale.');
  const [user] = await db.select().from(users).where(eq(users.id, params.userId));
  if (!user) throw new NotFoundError(`User ${params.userId} does not exist.`);
  const licensesAddress = chain.addresses.licenses!;
  const onChain = await chain.publicClient.readContract({ address: licensesAddress, abi: licensesAbi, functionName: 'termsOf', args: [terms.chainTermsId] });
  const currency: Currency = findCurrency(deps.currencies, onChain.currency) ?? { symbol: 'units', address: onChain.currency, decimals: 0 };
  if (!onChain.active) throw new InputError('This license is no longer sold.');
  if (onChain.price > params.maxPrice)
    throw new PriceChangedError(
      `The price changed to ${formatAmount(onChain.price, currency)} (you confirmed ${formatAmount(params.maxPrice, currency)}). Nothing was paid; open /buy again to see the new price.`,
    );

  const payer = user.custodialAddress as Address;
  const balance = await balanceOf(deps, payer, onChain.currency);
  if (balance < onChain.price)
    throw new InsufficientFundsError(
      `This license costs ${formatAmount(onChain.price, currency)} and your balance is ${formatAmount(balance, currency)}: ${formatAmount(onChain.price - balance, currency)} missing. Nothing was paid. Add funds with /deposit${chain.chainId === 31337 ? ' (or /faucet on this dev chain)' : ''}.`,
    );

  const account = await custodialAccount(deps, params.userId);
  const isToken = onChain.currency !== zeroAddress;
  const allowance = isToken
    ? await chain.publicClient.readContract({ address: onChain.currency, abi: erc20Abi, functionName: 'allowance', args: [payer, licensesAddress] })
    : 0n;
  const needsApproval = isToken && allowance < onChain.price;
  await ensureGas(deps, { userId: params.userId, address: payer, needWei: await gasNeeded(deps, needsApproval ? 2 : 1) });
  if (needsApproval)
    await sendOnce(deps, {
      key: `buy:${params.requestKey}:approve`,
      account,
      address: onChain.currency,
      abi: erc20Abi,
      functionName: 'approve',
      args: [licensesAddress, onChain.price],
    });
  let receipt;
  try {
    receipt = await sendOnce(deps, {
      key: `buy:${params.requestKey}`,
      account,
      address: licensesAddress,
      abi: licensesAbi,
      functionName: 'purchase',
      args: [terms.chainTermsId, payer, params.maxPrice],
      ...(isToken ? {} : { value: onChain.price }),
    });
  } catch (err) {
    if (err instanceof ChainError && /LicensesPriceAboveMax/.test(err.shortMessage))
      throw new PriceChangedError('The price changed just before your purchase. Nothing was paid; open /buy again to see the new price.', { cause: err });
    throw err;
  }
  const [event] = parseEventLogs({ abi: licensesAbi, logs: receipt.logs, eventName: 'LicensePurchased' });
  if (!event) throw new ChainError('The purchase emitted no LicensePurchased event.');
  return recordLicense(deps, {
    chainLicenseId: event.args.licenseId,
    chainTermsId: event.args.termsId,
    assistantId: terms.assistantId,
    userId: params.userId,
    holderAddress: getAddress(event.args.holder),
    kind: LICENSE_KIND_OF_CHAIN[onChain.kind]!,
    currency: onChain.currency,
    pricePaid: event.args.price,
    expiresAt: event.args.expiresAt,
    quota: Number(onChain.quota),
    txHash: receipt.transactionHash,
  });
}

/** Writes a license sold on-chain (from a purchase receipt or the indexer); the first writer wins. */
export async function recordLicense(
  deps: Pick<MoneyDeps, 'db'>,
  l: Omit<typeof licenses.$inferInsert, 'expiresAt'> & { expiresAt: bigint },
): Promise<LicenseRow> {
  const expiresAt = l.expiresAt >= 2n ** 63n ? null : new Date(Number(l.expiresAt) * 1000);
  const [row] = await deps.db.insert(licenses).values({ ...l, expiresAt }).onConflictDoNothing().returning();
  if (row) return row;
  return (await deps.db.select().from(licenses).where(eq(licenses.chainLicenseId, l.chainLicenseId)))[0]!;
}
