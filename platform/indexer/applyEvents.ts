import { and, eq, sql } from 'drizzle-orm';
import { chainEvents, chainReceiptHolders } from '../db/schema.ts';
import { createEarningsLedger, type EarningCause } from './earningsLedger.ts';
import { mirrorLicenseEvent } from './mirrorLicenseEvent.ts';
import type { ChainEvent, StoredEvent, Tx } from './types.ts';

export type ApplyEventsParameters = {
  chainId: number;
  /** Events just recorded, in chain order: each is applied once. */
  events: readonly StoredEvent[];
  /** Every event of the blocks they come from (a transaction's events tell why an asset was paid). */
  context: readonly ChainEvent[];
};

/**
 * Applies newly recorded events, in chain order, to the derived tables: who holds which receipt
 * (`ReceiptIssued`, `ReceiptRebound`), what each holder earned (`RevenueCredited`, `Claimed`), and
 * the licenses (who holds them included) and terms the chat reads (see `mirrorLicenseEvent`). Runs inside the indexing
 * transaction, so the derived tables move together with `chain_events`.
 * @returns how many earnings rows were written
 */
export async function applyEvents(tx: Tx, params: ApplyEventsParameters): Promise<{ earnings: number }> {
  const { chainId } = params;
  const ledger = createEarningsLedger(tx, chainId);
  const byTx = new Map<string, ChainEvent[]>();
  for (const e of params.context) byTx.set(e.txHash, [...(byTx.get(e.txHash) ?? []), e]);
  let written = 0;

  for (const e of params.events) {
    const a = e.args;
    switch (`${e.contract}.${e.name}`) {
      case 'receipts.ReceiptIssued':
        await tx
          .insert(chainReceiptHolders)
          .values({ chainId, receiptId: BigInt(a.receiptId as string), assetId: BigInt(a.assetId as string), holder: String(a.holder), shares: BigInt(a.shares as string) })
          .onConflictDoUpdate({
            target: [chainReceiptHolders.chainId, chainReceiptHolders.receiptId],
            set: { assetId: BigInt(a.assetId as string), holder: String(a.holder), shares: BigInt(a.shares as string) },
          });
        break;
      case 'receipts.ReceiptRebound':
        await tx
          .update(chainReceiptHolders)
          .set({ holder: String(a.to) })
          .where(and(eq(chainReceiptHolders.chainId, chainId), eq(chainReceiptHolders.receiptId, BigInt(a.receiptId as string))));
        break;
      case 'revenuePool.RevenueCredited':
        written += await ledger.credit(e, await causeOf(tx, chainId, e, byTx.get(e.txHash) ?? []));
        break;
      case 'revenuePool.Claimed':
        ledger.claim(e);
        break;
      case 'licenses.LicensePurchased':
      case 'licenses.LicenseRenewed':
      case 'licenses.Transfer':
      case 'licenses.TermsPriceUpdated':
      case 'licenses.TermsRetired':
        await mirrorLicenseEvent(tx, chainId, e);
        break;
    }
  }
  return { earnings: written };
}

/**
 * Why `credited`'s asset was paid, from the other events of its transaction: a license of that
 * asset bought or renewed; else royalties routed to it from a child asset; else a plain deposit.
 */
async function causeOf(tx: Tx, chainId: number, credited: ChainEvent, txEvents: readonly ChainEvent[]): Promise<EarningCause> {
  const assetId = String(credited.args.assetId);
  for (const e of txEvents) {
    if (e.contract !== 'licenses') continue;
    if (e.name === 'LicensePurchased' && String(e.args.assetId) === assetId) return 'license';
    if (e.name === 'LicenseRenewed' && (await assetOfLicense(tx, chainId, String(e.args.licenseId), txEvents)) === assetId) return 'license';
  }
  if (txEvents.some((e) => e.contract === 'revenuePool' && e.name === 'RoyaltyRouted' && String(e.args.toAssetId) === assetId)) return 'royalty';
  return 'deposit';
}

/** The asset license `licenseId` is for, from its `LicensePurchased` event (in this batch or recorded). */
async function assetOfLicense(tx: Tx, chainId: number, licenseId: string, txEvents: readonly ChainEvent[]): Promise<string | undefined> {
  const here = txEvents.find((e) => e.name === 'LicensePurchased' && String(e.args.licenseId) === licenseId);
  if (here) return String(here.args.assetId);
  const [row] = await tx
    .select({ assetId: sql<string>`${chainEvents.args}->>'assetId'` })
    .from(chainEvents)
    .where(
      and(
        eq(chainEvents.chainId, chainId),
        eq(chainEvents.name, 'LicensePurchased'),
        eq(chainEvents.contract, 'licenses'),
        sql`${chainEvents.args}->>'licenseId' = ${licenseId}`,
      ),
    )
    .limit(1);
  return row?.assetId;
}
