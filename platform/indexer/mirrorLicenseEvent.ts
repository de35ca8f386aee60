import { and, eq, isNotNull, lt, sql } from 'drizzle-orm';
import { zeroAddress } from 'viem';
import { licenseTerms, licenses } from '../db/schema.ts';
import { findAddressOwner } from './findAddressOwner.ts';
import { recordedLicenseHolder } from './recordedLicenseHolder.ts';
import { setLicenseHolder } from './setLicenseHolder.ts';
import { emitLicenseBought } from '../webhooks/emitLicenseBought.ts';
import type { StoredEvent, Tx } from './types.ts';

/** `Licenses.PERPETUAL_EXPIRY` and above: never expires (stored as null). */
const PERPETUAL = 2n ** 63n;

/** A chain expiry (unix seconds) as `licenses.expiresAt` stores it: null for perpetual licenses. */
export const expiryOf = (seconds: bigint): Date | null => (seconds >= PERPETUAL ? null : new Date(Number(seconds) * 1000));

/**
 * Mirrors a `Licenses` event of chain `chainId` (recorded in `chain_events`) into the tables the chat reads:
 * - `LicensePurchased`: a `licenses` row, unless one from the same transaction exists (the chat's
 *   purchase flow writes it from the mined receipt). A row for the same license id from another
 *   transaction was written from a purchase a reorg dropped: it is replaced. Skipped when the terms
 *   are unknown off-chain (sold outside the platform). The user is whoever owns the holder address
 *   (custodial or linked wallet).
 * - `Transfer` of a license (not the mint, which `LicensePurchased` covers): the new holder and
 *   their user (`setLicenseHolder`), so the chat follows the license to whoever holds it.
 * - `LicenseRenewed`: the later expiry (renewals only ever extend a license; a stale event must not
 *   shorten what the chat flow already wrote).
 * - `TermsPriceUpdated`, `TermsRetired`: the terms' price and retired flag.
 * Other events are ignored.
 */
export async function mirrorLicenseEvent(tx: Tx, chainId: number, e: StoredEvent): Promise<void> {
  const a = e.args;
  switch (e.name) {
    case 'LicensePurchased': {
      const termsId = BigInt(a.termsId as string);
      const [terms] = await tx.select().from(licenseTerms).where(eq(licenseTerms.chainTermsId, termsId));
      if (!terms) return;
      const licenseId = BigInt(a.licenseId as string);
      // `_safeMint` calls a contract recipient before `LicensePurchased` is emitted, and it may pass the
      // license on there: a transfer recorded for it wins over the holder the purchase names.
      const holder = (await recordedLicenseHolder(tx, chainId, licenseId)) ?? String(a.holder);
      const row = {
        chainLicenseId: licenseId,
        chainTermsId: termsId,
        assistantId: terms.assistantId,
        userId: await findAddressOwner(tx, holder),
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
      // In the indexing transaction: the deliveries commit with the event (the webhook sweep sends them).
      await emitLicenseBought({ db: tx }, { ...row, chainId, logIndex: e.logIndex });
      return;
    }
    case 'Transfer':
      if (String(a.from).toLowerCase() === zeroAddress) return;
      await setLicenseHolder(tx, { licenseId: BigInt(a.tokenId as string), holder: String(a.to) });
      return;
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
