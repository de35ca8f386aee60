import { and, countDistinct, desc, eq, inArray } from 'drizzle-orm';
import { assetRegistryAbi } from '../../contracts/bindings/index.ts';
import { toChainError } from '../chain/toChainError.ts';
import { assets, assistantDatasets, assistants, datasets } from '../db/schema.ts';
import { BaseError } from '../errors.ts';
import { findCurrency, type Currency } from '../money/currencies.ts';
import type { LicenseKind } from '../money/licenseKinds.ts';
import { quoteLicenses } from '../money/quoteLicenses.ts';
import type { MoneyDeps } from '../money/types.ts';
import { readRevenueRates, splitOf, type RevenueRates, type RevenueSplit } from './readRevenueSplit.ts';

/** A license on sale, at the price the chain asks now. */
export type MarketOffer = { kind: LicenseKind; durationSeconds: number; quota: number; price: bigint; currency: Currency };

/** A public assistant as the marketplace shows it. */
export type MarketAssistant = {
  publicId: string;
  name: string;
  tagline: string | null;
  /** Null until it is registered on-chain (then it has no offers yet). */
  chainAssetId: bigint | null;
  offers: MarketOffer[];
  /** What it was trained on: open datasets by name; private ones only counted. */
  lineage: { open: Array<{ publicId: string; name: string }>; privateCount: number };
  /** How a license payment is split, with its parents as the chain records them; null until registered. */
  split: RevenueSplit | null;
};

/** An open, approved dataset anyone may build on. */
export type MarketDataset = {
  publicId: string;
  name: string;
  format: string;
  rows: number;
  chainAssetId: bigint | null;
  /** Trained assistants built on it (of any visibility: only the number is shown). */
  assistants: number;
  createdAt: Date;
};

export type Marketplace = {
  /** `RevenuePool.feeBps` and `royaltyBps`, read now. */
  rates: RevenueRates;
  assistants: MarketAssistant[];
  datasets: MarketDataset[];
};

/** Most entries of each list on the page (newest first). */
export const MARKET_LIMIT = 100;

/**
 * The public marketplace: trained public assistants with their licenses (prices from
 * `Licenses.termsOf`), their lineage and the split of a payment (`RevenuePool` rates and
 * `AssetRegistry.parentsOf`), and the open approved datasets with how many assistants use each.
 * Private and unlisted assistants, and private, pending or rejected datasets, are left out.
 */
export async function getMarketplace(deps: MoneyDeps): Promise<Marketplace> {
  const { db, chain } = deps;
  const listed = await db
    .select({ id: assistants.id, publicId: assistants.publicId, name: assistants.name, tagline: assistants.tagline, chainAssetId: assets.chainAssetId })
    .from(assistants)
    .leftJoin(assets, eq(assets.assistantId, assistants.id))
    .where(and(eq(assistants.visibility, 'public'), eq(assistants.status, 'ready')))
    .orderBy(desc(assistants.id))
    .limit(MARKET_LIMIT);
  const lineage = listed.length
    ? await db
        .select({ assistantId: assistantDatasets.assistantId, publicId: datasets.publicId, name: datasets.name, access: datasets.access, status: datasets.status })
        .from(assistantDatasets)
        .innerJoin(datasets, eq(datasets.id, assistantDatasets.datasetId))
        .where(inArray(assistantDatasets.assistantId, listed.map((a) => a.id)))
        .orderBy(datasets.name)
    : [];
  const open = await db
    .select({
      publicId: datasets.publicId,
      name: datasets.name,
      format: datasets.format,
      rows: datasets.rows,
      createdAt: datasets.createdAt,
      chainAssetId: assets.chainAssetId,
      assistants: countDistinct(assistants.id),
    })
    .from(datasets)
    .leftJoin(assets, eq(assets.datasetId, datasets.id))
    .leftJoin(assistantDatasets, eq(assistantDatasets.datasetId, datasets.id))
    .leftJoin(assistants, and(eq(assistants.id, assistantDatasets.assistantId), eq(assistants.status, 'ready')))
    .where(and(eq(datasets.access, 'open'), eq(datasets.status, 'approved')))
    .groupBy(datasets.id, assets.chainAssetId)
    .orderBy(desc(datasets.id))
    .limit(MARKET_LIMIT);

  try {
    const rates = await readRevenueRates(deps);
    const market = await Promise.all(
      listed.map(async (a): Promise<MarketAssistant> => {
        const parents = lineage.filter((l) => l.assistantId === a.id);
        const shown = parents.filter((l) => l.access === 'open' && l.status === 'approved');
        let split: RevenueSplit | null = null;
        let offers: MarketOffer[] = [];
        if (a.chainAssetId !== null) {
          const [onChain, quotes] = await Promise.all([
            chain.publicClient.readContract({ address: chain.addresses.assetRegistry, abi: assetRegistryAbi, functionName: 'parentsOf', args: [a.chainAssetId] }),
            quoteLicenses(deps, a.id),
          ]);
          split = splitOf(rates, onChain.length);
          offers = quotes.map((q) => ({
            kind: q.terms.kind,
            durationSeconds: q.terms.durationSeconds,
            quota: q.terms.quota,
            price: q.price,
            currency: findCurrency(deps.currencies, q.currency) ?? { symbol: 'units', address: q.currency, decimals: 0 },
          }));
        }
        return {
          publicId: a.publicId,
          name: a.name,
          tagline: a.tagline,
          chainAssetId: a.chainAssetId,
          offers,
          lineage: { open: shown.map((l) => ({ publicId: l.publicId, name: l.name })), privateCount: parents.length - shown.length },
          split,
        };
      }),
    );
    return { rates, assistants: market, datasets: open };
  } catch (cause) {
    if (cause instanceof BaseError) throw cause;
    throw toChainError(cause, 'the marketplace (prices, lineage, rates)');
  }
}
