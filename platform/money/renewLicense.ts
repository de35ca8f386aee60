import { and, eq } from 'drizzle-orm';
import { erc20Abi, parseEventLogs, zeroAddress, type Address } from 'viem';
import { licensesAbi } from '../../contracts/bindings/index.ts';
import { sendOnce } from '../chain/sendOnce.ts';
import { licenses, users } from '../db/schema.ts';
import { ChainError, InputError, NotFoundError } from '../errors.ts';
import { balanceOf } from './balanceOf.ts';
import { findCurrency, formatAmount } from './currencies.ts';
import { custodialAccount } from './custodialAccount.ts';
import { ensureGas, gasNeeded } from './ensureGas.ts';
import { InsufficientFundsError, PriceChangedError } from './errors.ts';
import type { LicenseRow } from './buyLicense.ts';
import type { MoneyDeps } from './types.ts';

/**
 * Renews the user's license `licenseId` (a row id of theirs; anyone else's is unknown) by its period,
 * paid from their custodial balance at no more than `maxPrice`, with the same guarantees as
 * `buyLicense`. Returns the license with its new expiry from the `LicenseRenewed` event.
 */
export async function renewLicense(
  deps: MoneyDeps,
  params: { userId: number; licenseId: number; maxPrice: bigint; requestKey: string },
): Promise<LicenseRow> {
  const { db, chain } = deps;
  const [license] = await db
    .select()
    .from(licenses)
    .where(and(eq(licenses.id, params.licenseId), eq(licenses.userId, params.userId)));
  if (!license) throw new NotFoundError('No such license of yours.');
  if (license.kind === 'perpetual') throw new InputError('A perpetual license never expires; nothing to renew.');
  const [user] = await db.select().from(users).where(eq(users.id, params.userId));
  const licensesAddress = chain.addresses.licenses!;
  const terms = await chain.publicClient.readContract({ address: licensesAddress, abi: licensesAbi, functionName: 'termsOf', args: [license.chainTermsId] });
  const currency = findCurrency(deps.currencies, terms.currency) ?? { symbol: 'units', address: terms.currency, decimals: 0 };
  if (!terms.active) throw new InputError('These terms were retired: the license cannot be renewed. /buy shows what is on sale.');
  if (terms.price > params.maxPrice)
    throw new PriceChangedError(`The renewal price changed to ${formatAmount(terms.price, currency)}. Nothing was paid; try /renew again.`);
  const payer = user!.custodialAddress as Address;
  const balance = await balanceOf(deps, payer, terms.currency);
  if (balance < terms.price)
    throw new InsufficientFundsError(
      `Renewing costs ${formatAmount(terms.price, currency)} and your balance is ${formatAmount(balance, currency)}: ${formatAmount(terms.price - balance, currency)} missing. Nothing was paid.`,
    );
  const account = await custodialAccount(deps, params.userId);
  const isToken = terms.currency !== zeroAddress;
  const allowance = isToken
    ? await chain.publicClient.readContract({ address: terms.currency, abi: erc20Abi, functionName: 'allowance', args: [payer, licensesAddress] })
    : 0n;
  await ensureGas(deps, { userId: params.userId, address: payer, needWei: await gasNeeded(deps, 2) });
  if (isToken && allowance < terms.price)
    await sendOnce(deps, { key: `renew:${params.requestKey}:approve`, account, address: terms.currency, abi: erc20Abi, functionName: 'approve', args: [licensesAddress, terms.price] });
  let receipt;
  try {
    receipt = await sendOnce(deps, {
      key: `renew:${params.requestKey}`,
      account,
      address: licensesAddress,
      abi: licensesAbi,
      functionName: 'renew',
      args: [license.chainLicenseId, params.maxPrice],
      ...(isToken ? {} : { value: terms.price }),
    });
  } catch (err) {
    if (err instanceof ChainError && /LicensesPriceAboveMax/.test(err.shortMessage))
      throw new PriceChangedError('The renewal price changed just before your payment. Nothing was paid; try /renew again.', { cause: err });
    throw err;
  }
  const [event] = parseEventLogs({ abi: licensesAbi, logs: receipt.logs, eventName: 'LicenseRenewed' });
  if (!event) throw new ChainError('The renewal emitted no LicenseRenewed event.');
  const [row] = await db
    .update(licenses)
    .set({ expiresAt: new Date(Number(event.args.expiresAt) * 1000), reminderSentAt: null })
    .where(eq(licenses.id, license.id))
    .returning();
  return row!;
}
