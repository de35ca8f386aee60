import type { Address } from 'viem';
import type { MoneySettings } from './settings.ts';

export type LicenseKind = 'period' | 'perpetual' | 'api';

/** `Licenses.LicenseKind` on-chain. */
export const CHAIN_LICENSE_KIND = { period: 0, perpetual: 1, api: 2 } as const satisfies Record<LicenseKind, number>;
export const LICENSE_KIND_OF_CHAIN = ['period', 'perpetual', 'api'] as const satisfies readonly LicenseKind[];

export const LICENSE_KINDS: readonly LicenseKind[] = ['period', 'perpetual', 'api'];

/** "30-day license", "perpetual license", "API license (30 days, 1,000 calls)". */
export function describeKind(kind: LicenseKind, durationSeconds: number, quota: number): string {
  const days = Math.round(durationSeconds / 86_400);
  if (kind === 'perpetual') return 'perpetual license';
  if (kind === 'period') return `${days}-day license`;
  return `API license (${days} days, ${quota.toLocaleString('en-US')} calls)`;
}

/** The terms of a new license of `kind` at `price`, with the configured period and API quota. */
export function offerOf(settings: MoneySettings, kind: LicenseKind, price: bigint, currency: Address) {
  return {
    kind,
    price,
    currency,
    durationSeconds: kind === 'perpetual' ? 0 : settings.periodSeconds,
    quota: kind === 'api' ? settings.apiQuota : 0,
  };
}
