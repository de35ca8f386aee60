import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { zeroAddress } from 'viem';
import { chainEvents, licenseTerms, licenses } from '../db/schema.ts';
import { expiryOf } from './mirrorLicenseEvent.ts';
import { recordedLicenseHolder } from './recordedLicenseHolder.ts';
import { setLicenseHolder } from './setLicenseHolder.ts';
import type { ChainEvent, Tx } from './types.ts';

/**
 * After a reorg deleted `removed` (the events past the fork), makes the licenses and terms the chat
 * reads agree with the events that remain:
 * - a license bought in a dropped transaction is deleted, whoever wrote its row (the indexer, or the
 *   chat's purchase flow from the receipt: same transaction hash). It must not stay valid, and the
 *   chain may give its id to another purchase. If the transaction is mined again, the indexer writes
 *   the row again when it reaches it;
 * - a license whose renewal was dropped gets back the expiry of its last remaining purchase or renewal;
 * - a license whose transfer was dropped goes back to the recipient of its last remaining transfer,
 *   else to the holder its purchase named, and to the user owning that address;
 * - terms whose price change or retirement was dropped get back their last remaining price and are
 *   offered again (unless other terms of the same kind were offered since).
 * @returns how many licenses were deleted
 */
export async function revertLicenseMirrors(tx: Tx, chainId: number, removed: readonly ChainEvent[]): Promise<{ deletedLicenses: number }> {
  const fromLicenses = removed.filter((e) => e.contract === 'licenses');
  let deletedLicenses = 0;
  for (const e of fromLicenses.filter((e) => e.name === 'LicensePurchased')) {
    const deleted = await tx
      .delete(licenses)
      .where(and(eq(licenses.chainLicenseId, BigInt(e.args.licenseId as string)), sql`lower(${licenses.txHash}) = lower(${e.txHash})`))
      .returning({ id: licenses.id });
    deletedLicenses += deleted.length;
  }

  const renewed = new Set(fromLicenses.filter((e) => e.name === 'LicenseRenewed').map((e) => String(e.args.licenseId)));
  for (const licenseId of renewed) {
    const [last] = await tx
      .select({ args: chainEvents.args })
      .from(chainEvents)
      .where(
        and(
          eq(chainEvents.chainId, chainId),
          eq(chainEvents.contract, 'licenses'),
          inArray(chainEvents.name, ['LicensePurchased', 'LicenseRenewed']),
          sql`${chainEvents.args}->>'licenseId' = ${licenseId}`,
        ),
      )
      .orderBy(desc(chainEvents.blockNumber), desc(chainEvents.logIndex))
      .limit(1);
    if (last)
      await tx
        .update(licenses)
        .set({ expiresAt: expiryOf(BigInt(last.args.expiresAt as string)) })
        .where(eq(licenses.chainLicenseId, BigInt(licenseId)));
  }

  const transferred = new Set(
    fromLicenses.filter((e) => e.name === 'Transfer' && String(e.args.from).toLowerCase() !== zeroAddress).map((e) => String(e.args.tokenId)),
  );
  for (const licenseId of transferred) {
    const holder = await recordedLicenseHolder(tx, chainId, BigInt(licenseId));
    if (holder) await setLicenseHolder(tx, { licenseId: BigInt(licenseId), holder });
  }

  const repriced = new Set(fromLicenses.filter((e) => e.name === 'TermsPriceUpdated').map((e) => String(e.args.termsId)));
  for (const termsId of repriced) {
    const [last] = await tx
      .select({ args: chainEvents.args })
      .from(chainEvents)
      .where(
        and(
          eq(chainEvents.chainId, chainId),
          eq(chainEvents.contract, 'licenses'),
          inArray(chainEvents.name, ['TermsCreated', 'TermsPriceUpdated']),
          sql`${chainEvents.args}->>'termsId' = ${termsId}`,
        ),
      )
      .orderBy(desc(chainEvents.blockNumber), desc(chainEvents.logIndex))
      .limit(1);
    if (last)
      await tx
        .update(licenseTerms)
        .set({ price: BigInt(last.args.price as string), updatedAt: new Date() })
        .where(eq(licenseTerms.chainTermsId, BigInt(termsId)));
  }

  const unretired = new Set(fromLicenses.filter((e) => e.name === 'TermsRetired').map((e) => String(e.args.termsId)));
  for (const termsId of unretired) {
    // Offered again only where no other terms of that assistant and kind are on sale (one per kind).
    await tx.execute(sql`
      update license_terms t set retired = 0, updated_at = now()
      where t.chain_terms_id = ${termsId}::numeric and t.retired = 1
        and not exists (select 1 from chain_events e where e.chain_id = ${chainId} and e.contract = 'licenses'
                        and e.name = 'TermsRetired' and e.args->>'termsId' = ${termsId})
        and not exists (select 1 from license_terms o where o.assistant_id = t.assistant_id and o.kind = t.kind and o.retired = 0)`);
  }
  return { deletedLicenses };
}
