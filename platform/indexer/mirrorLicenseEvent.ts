import { and, eq, isNotNull, lt, or, sql } from 'drizzle-orm';
import { licenseTerms, licenses, users } from '../db/schema.ts';
import type { StoredEvent, Tx } from './types.ts';

/** `Licenses.PERPETUAL_EXPIRY` and above: never expires (stored as null). */
const PERPETUAL = 2n ** 63n;

/** A chain expiry (unix seconds) as `licenses.expiresAt` stores it: null for perpetual licenses. */
export const expiryOf = (seconds: bigint): Date | null => (seconds >= PERPETUAL ? null : new Date(Number(seconds) * 1000));

/**
 * Mirrors a `Licenses` event into the tables the chat reads:
 * - `LicensePurchased`: a `licenses` row, unless one from the same transaction exists (the chat's
 *   purchase flow writes it from the mined receipt). A row for the same license id from another
 *   transaction was written from a purchase a reorg dropped: it is replaced. Skipped when the terms
 *   are unknown off-chain (sold outside the platform). The user is whoever owns the holder address
 *   (custodial or linked wallet).
 * - `LicenseRenewed`: the later expiry (renewals only ever extend a license; a stale event must not
 *   shorten what the chat flow already wrote).
 * - `TermsPriceUpdated`, `TermsRetired`: the terms' price and retired flag.
 * Other events are ignored.
 */
export async function mirrorLicenseEvent(tx: Tx, e: StoredEvent): Promise<void> {
  const a = e.args;
  switch (e.name) {
    case 'LicensePurchased': {
      const termsId = BigInt(a.termsId as string);
      const [terms] = await tx.select().from(licenseTerms).where(eq(licenseTerms.chainTermsId, termsId));
      if (!terms) return;
      const holder = String(a.holder);
      const [owner] = await tx
        .select({ id: users.id })
        .from(users)
        .where(or(sql`lower(${users.custodialAddress}) = lower(${holder})`, sql`lower(${users.walletAddress}) = lower(${holder})`))
        .orderBy(users.id)
        .limit(1);
      const row = {
        chainLicenseId: BigInt(a.licenseId as string),
        chainTermsId: termsId,
        assistantId: terms.assistantId,
        userId: owner?.id ?? null,
        holderAddress: holder,
        kind: terms.kind,
        currency: terms.currency,
        pricePaid: BigInt(a.price as string),
        expiresAt: expiryOf(BigInt(a.expiresAt as string)),
        quota: terms.quota,
        txHash: e.txHash,
      };
      await tx
        .insert(licenses)
        .values(row)
        .onConflictDoUpdate({
          target: licenses.chainLicenseId,
          set: { ...row, callsUsed: 0, reminderSentAt: null, createdAt: new Date() },
          setWhere: sql`lower(${licenses.txHash}) <> lower(${e.txHash})`,
        });
      return;
    }
    case 'LicenseRenewed': {
      const expiresAt = expiryOf(BigInt(a.expiresAt as string));
      if (!expiresAt) return;
      await tx
        .update(licenses)
        .set({ expiresAt, reminderSentAt: null })
        .where(
          and(
            eq(licenses.chainLicenseId, BigInt(a.licenseId as string)),
            isNotNull(licenses.expiresAt),
            lt(licenses.expiresAt, expiresAt),
          ),
        );
      return;
    }
    case 'TermsPriceUpdated':
      await tx
        .update(licenseTerms)
        .set({ price: BigInt(a.price as string), updatedAt: new Date() })
        .where(eq(licenseTerms.chainTermsId, BigInt(a.termsId as string)));
      return;
    case 'TermsRetired':
      await tx
        .update(licenseTerms)
        .set({ retired: 1, updatedAt: new Date() })
        .where(eq(licenseTerms.chainTermsId, BigInt(a.termsId as string)));
      return;
  }
}
