import { formatUnits, getAddress, parseUnits, zeroAddress, type Address } from 'viem';
import { InputError } from '../errors.ts';

/** A currency licenses are priced in and earnings are paid in: ETH (the zero address) or an ERC-20. */
export type Currency = { symbol: string; address: Address; decimals: number };

/** Ether, as the revenue pool names it (address zero). */
export const ETH: Currency = { symbol: 'ETH', address: zeroAddress, decimals: 18 };

/** `units` of `currency` for people: "0.42 USDC", "1,250 USDC", "0.0001 ETH" (no trailing zeros). */
export function formatAmount(units: bigint, currency: Currency): string {
  const [whole, frac = ''] = formatUnits(units, currency.decimals).split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${grouped}${frac ? `.${frac}` : ''} ${currency.symbol}`;
}

/** Reads an amount typed by a person ("2.5", "0.42 USDC"); refuses more decimals than the currency has. */
export function parseAmount(text: string, currency: Currency): bigint {
  const cleaned = text.trim().replace(new RegExp(`\\s*${currency.symbol}$`, 'i'), '').replace(/,/g, '');
  const pattern = new RegExp(`^\\d{1,12}(\\.\\d{1,${currency.decimals}})?$`);
  if (!pattern.test(cleaned))
    throw new InputError(
      `"${text.trim()}" is not an amount of ${currency.symbol}: write a number like 5, 0.5 or 12.25 (at most ${currency.decimals} decimals).`,
    );
  return parseUnits(cleaned, currency.decimals);
}

/** The currency at `address` among `currencies` (case-insensitive), or undefined. */
export function findCurrency(currencies: readonly Currency[], address: string): Currency | undefined {
  const wanted = address.toLowerCase();
  return currencies.find((c) => c.address.toLowerCase() === wanted);
}

/** The currency named `symbolOrAddress` ("usdc", "ETH" or an address), or an InputError listing the choices. */
export function currencyNamed(currencies: readonly Currency[], symbolOrAddress: string): Currency {
  const found =
    currencies.find((c) => c.symbol.toLowerCase() === symbolOrAddress.trim().toLowerCase()) ??
    findCurrency(currencies, symbolOrAddress.trim());
  if (!found) throw new InputError(`Unknown currency "${symbolOrAddress}". Choose one of: ${currencies.map((c) => c.symbol).join(', ')}.`);
  return found;
}

/** Parses PAYMENT_TOKENS (`[{"symbol":"USDC","address":"0x…","decimals":6}]`). */
export function parsePaymentTokens(json: string): Currency[] {
  const list = JSON.parse(json) as Array<{ symbol: string; address: string; decimals: number }>;
  return list.map((t) => ({ symbol: t.symbol, address: getAddress(t.address), decimals: t.decimals }));
}
