import { and, inArray } from 'drizzle-orm';
import type { ChainDeps } from '../chain/clients.ts';
import type { Db } from '../db/client.ts';
import { apiLicenseUsage } from '../db/schema.ts';
import { chainNow } from '../money/chainNow.ts';
import { licensePeriodEnd, NO_EXPIRY_PERIOD_END } from './meterLicenseCall.ts';

/** An API license's calls in the period that is running now. */
export type LicenseUsage = {
  /** Calls counted in this period (what `meterLicenseCall` counts; calls given back are not in it). */
  calls: number;
  quota: number;
  /** When the period ends: the quota starts again then (or, in the last period, the license ends). */
  periodEnd: Date;
};

export type ReadLicenseUsageParameters = Array<{
  /** The license's row id. */
  id: number;
  kind: 'period' | 'perpetual' | 'api';
  /** Null: perpetual. */
  expiresAt: Date | null;
  durationSeconds: number;
  quota: number;
}>;

/**
 * The calls each API license in `licenses` has used in its current period, by the chain's clock,
 * with the same periods `meterLicenseCall` counts in (they end at the expiry, counted back by the
 * duration). Licenses of other kinds are left out of the map.
 *
 * @example
 * const usage = await readLicenseUsage(money, rows); usage.get(row.id)?.calls
 */
export async function readLicenseUsage(
  deps: { db: Db; chain: ChainDeps },
  licenses: ReadLicenseUsageParameters,
): Promise<Map<number, LicenseUsage>> {
  const api = licenses.filter((l) => l.kind === 'api');
  const out = new Map<number, LicenseUsage>();
  if (!api.length) return out;
  const now = await chainNow(deps);
  const periods = new Map(api.map((l) => [l.id, l.expiresAt ? licensePeriodEnd(l.expiresAt, l.durationSeconds, now) : NO_EXPIRY_PERIOD_END]));
  const rows = await deps.db
    .select()
    .from(apiLicenseUsage)
    .where(and(inArray(apiLicenseUsage.licenseId, [...periods.keys()]), inArray(apiLicenseUsage.periodEnd, [...new Set([...periods.values()].map((d) => d.getTime()))].map((t) => new Date(t)))));
  for (const l of api) {
    const periodEnd = periods.get(l.id)!;
    const row = rows.find((r) => r.licenseId === l.id && r.periodEnd.getTime() === periodEnd.getTime());
    out.set(l.id, { calls: row?.calls ?? 0, quota: l.quota, periodEnd });
  }
  return out;
}
