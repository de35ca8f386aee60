import { findCurrency, formatAmount, type Currency } from '../money/currencies.ts';
import { describeKind, type LicenseKind } from '../money/licenseKinds.ts';

type TermsLike = { kind: LicenseKind; price: bigint; currency: string; durationSeconds: number; quota: number };

/** `5 USDC` for a price in a known currency; the raw units and address otherwise. */
export function priceText(currencies: readonly Currency[], price: bigint, currencyAddress: string): string {
  const c = findCurrency(currencies, currencyAddress);
  return c ? formatAmount(price, c) : `${price} units of ${currencyAddress}`;
}

/** "free", or the cheapest offer: "5 USDC / 30 days". */
export function priceSummary(currencies: readonly Currency[], terms: readonly TermsLike[]): string {
  if (!terms.length) return 'free';
  const order: LicenseKind[] = ['period', 'api', 'perpetual'];
  const first = [...terms].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind))[0]!;
  const price = priceText(currencies, first.price, first.currency);
  return first.kind === 'perpetual' ? `${price} forever` : `${price} / ${Math.round(first.durationSeconds / 86_400)} days`;
}

/** One line per offer: "30-day license: 5 USDC". */
export function termsLines(currencies: readonly Currency[], terms: readonly TermsLike[]): string[] {
  return terms.map((t) => `${describeKind(t.kind, t.durationSeconds, t.quota)}: ${priceText(currencies, t.price, t.currency)}`);
}

/** "in 29 days", "in 5 h", "expired 2 days ago", "never (perpetual)". */
export function expiryText(expiresAt: Date | null, now = new Date()): string {
  if (!expiresAt) return 'never (perpetual)';
  const ms = expiresAt.getTime() - now.getTime();
  const abs = Math.abs(ms);
  const days = Math.round(abs / 86_400_000);
  const span = abs >= 86_400_000 ? `${days} day${days === 1 ? '' : 's'}` : abs >= 3_600_000 ? `${Math.round(abs / 3_600_000)} h` : `${Math.max(1, Math.round(abs / 60_000))} min`;
  return ms > 0 ? `in ${span} (${expiresAt.toISOString().slice(0, 10)})` : `expired ${span} ago`;
}
