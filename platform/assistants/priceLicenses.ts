import { InputError } from '../errors.ts';
import { findCurrency, formatAmount } from '../money/currencies.ts';
import { offerOf, type LicenseKind } from '../money/licenseKinds.ts';
import type { MoneyDeps } from '../money/types.ts';
import type { AssistantDraft } from './createAssistant.ts';

export type LicensePrice = {
  kind: LicenseKind;
  /** In the currency's smallest unit. */
  price: bigint;
  /** An accepted currency's address; default: the first accepted currency (the one the chat prices in). */
  currency?: string | undefined;
};

/** Whole units a price may reach, as in the chat's price form (12 digits before the decimals). */
const MAX_WHOLE_DIGITS = 12;

/**
 * License offers from prices, as the wizard's price step makes them: the period and the API
 * quota come from the money settings (perpetual licenses have no period, only API licenses a
 * quota). The currency must be one licenses are sold in; the price above zero and within what
 * the chat accepts.
 */
export function priceLicenses(deps: Pick<MoneyDeps, 'currencies' | 'settings'>, prices: readonly LicensePrice[]): AssistantDraft['licenses'] {
  return prices.map((p) => {
    const currency = p.currency === undefined ? deps.currencies[0] : findCurrency(deps.currencies, p.currency);
    if (!currency)
      throw new InputError(
        `${p.currency} is not a currency licenses are sold in; use ${deps.currencies.map((c) => `${c.symbol} (${c.address})`).join(' or ')}.`,
      );
    if (p.price <= 0n) throw new InputError('A license price must be above zero (offer no license to make it free).');
    const max = 10n ** BigInt(MAX_WHOLE_DIGITS + currency.decimals);
    if (p.price >= max) throw new InputError(`A ${p.kind} license can cost at most ${formatAmount(max - 1n, currency)}.`);
    return offerOf(deps.settings, p.kind, p.price, currency.address);
  });
}
