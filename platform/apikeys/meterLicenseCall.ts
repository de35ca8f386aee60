import { and, eq, sql } from 'drizzle-orm';
import type { ChainDeps } from '../chain/clients.ts';
import type { Db } from '../db/client.ts';
import { apiLicenseUsage, licenseTerms, licenses } from '../db/schema.ts';
import { chainNow } from '../money/chainNow.ts';
import type { ApiPrincipal } from './authenticateApiKey.ts';
import { QuotaExceededError } from './errors.ts';

/**
 * The period of an API license that `now` falls in: periods are the license's duration long and
 * end at its expiry, counted back, so a renewal (which extends the expiry by one duration) adds
 * a fresh period without moving the current one.
 */
export function licensePeriodEnd(expiresAt: Date, durationSeconds: number, now: Date): Date {
  const d = durationSeconds * 1000;
  const left = expiresAt.getTime() - now.getTime();
  if (d <= 0 || left <= 0) return expiresAt;
  return new Date(expiresAt.getTime() - Math.floor((left - 1) / d) * d);
}

/** The one period of an API license without an expiry (the end of time as JavaScript dates know it). */
export const NO_EXPIRY_PERIOD_END = new Date(8.64e15);

export type MeteredCall = { calls: number; quota: number; periodEnd: Date; refund: () => Promise<void> };

/**
 * Counts one call against a license key's quota for the current period, atomically (concurrent
 * calls never pass the quota), or refuses with `QuotaExceededError` (429) saying when the next
 * period starts. Personal keys are not metered (null). `refund` gives the call back when the
 * request could not be served (a busy engine), so a client retrying is not charged twice.
 */
export async function meterLicenseCall(deps: { db: Db; chain: ChainDeps }, principal: ApiPrincipal): Promise<MeteredCall | null> {
  const l = principal.license;
  if (!l) return null;
  const [terms] = await deps.db
    .select({ durationSeconds: licenseTerms.durationSeconds })
    .from(licenseTerms)
    .where(eq(licenseTerms.chainTermsId, l.chainTermsId));
  const now = await chainNow(deps);
  const periodEnd = l.expiresAt ? licensePeriodEnd(l.expiresAt, terms?.durationSeconds ?? 0, now) : NO_EXPIRY_PERIOD_END;
  const [row] = await deps.db
    .insert(apiLicenseUsage)
    .values({ licenseId: l.id, periodEnd, calls: 1 })
    .onConflictDoUpdate({
      target: [apiLicenseUsage.licenseId, apiLicenseUsage.periodEnd],
      set: { calls: sql`${apiLicenseUsage.calls} + 1` },
      setWhere: sql`${apiLicenseUsage.calls} < ${l.quota}`,
    })
    .returning({ calls: apiLicenseUsage.calls });
  if (!row || row.calls > l.quota) {
    if (row) await deps.db.update(apiLicenseUsage).set({ calls: sql`${apiLicenseUsage.calls} - 1` }).where(and(eq(apiLicenseUsage.licenseId, l.id), eq(apiLicenseUsage.periodEnd, periodEnd)));
    const last = l.expiresAt && periodEnd.getTime() >= l.expiresAt.getTime();
    throw new QuotaExceededError(
      last
        ? `License #${l.chainLicenseId} has used its ${l.quota} calls. It ends at ${periodEnd.toISOString()}; a renewal gives ${l.quota} calls from then.`
        : `License #${l.chainLicenseId} has used its ${l.quota} calls for this period; the next period starts at ${periodEnd.toISOString()}.`,
      periodEnd,
    );
  }
  await deps.db.update(licenses).set({ callsUsed: sql`${licenses.callsUsed} + 1` }).where(eq(licenses.id, l.id));
  return {
    calls: row.calls,
    quota: l.quota,
    periodEnd,
    refund: async () => {
      await deps.db
        .update(apiLicenseUsage)
        .set({ calls: sql`greatest(${apiLicenseUsage.calls} - 1, 0)` })
        .where(and(eq(apiLicenseUsage.licenseId, l.id), eq(apiLicenseUsage.periodEnd, periodEnd)));
      await deps.db.update(licenses).set({ callsUsed: sql`greatest(${licenses.callsUsed} - 1, 0)` }).where(eq(licenses.id, l.id));
    },
  };
}
