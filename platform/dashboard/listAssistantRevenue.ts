import { count, desc, eq } from 'drizzle-orm';
import { revenuePoolAbi } from '../../contracts/bindings/index.ts';
import type { ChainDeps } from '../chain/clients.ts';
import { toChainError } from '../chain/toChainError.ts';
import type { Db } from '../db/client.ts';
import { assets, assistants, licenses } from '../db/schema.ts';
import { findCurrency, type Currency } from '../money/currencies.ts';

/** One assistant the user created, with what it brought in. */
export type AssistantRevenue = {
  publicId: string;
  name: string;
  visibility: 'private' | 'unlisted' | 'public';
  status: 'training' | 'ready' | 'failed';
  /** Null until it is registered on-chain. */
  chainAssetId: bigint | null;
  /**
   * Everything the revenue pool credited to the assistant's receipt holders, per currency
   * (`RevenuePool.poolOf(assetId, token).totalReceived`): license payments after the platform fee and
   * the royalties passed on to its datasets. Claimed or not.
   */
  received: Array<{ currency: Currency; amount: bigint }>;
  /** Licenses of it sold so far (the platform's record of `LicensePurchased`). */
  licensesSold: number;
};

/** The assistants the user owns, newest first, with their revenue read from the `RevenuePool`. */
export async function listAssistantRevenue(
  deps: { db: Db; chain: ChainDeps; currencies: readonly Currency[] },
  userId: number,
): Promise<AssistantRevenue[]> {
  const rows = await deps.db
    .select({
      id: assistants.id,
      publicId: assistants.publicId,
      name: assistants.name,
      visibility: assistants.visibility,
      status: assistants.status,
      chainAssetId: assets.chainAssetId,
    })
    .from(assistants)
    .leftJoin(assets, eq(assets.assistantId, assistants.id))
    .where(eq(assistants.ownerId, userId))
    .orderBy(desc(assistants.id));
  const sold = await deps.db
    .select({ assistantId: licenses.assistantId, n: count() })
    .from(licenses)
    .innerJoin(assistants, eq(assistants.id, licenses.assistantId))
    .where(eq(assistants.ownerId, userId))
    .groupBy(licenses.assistantId);
  const pool = deps.chain.addresses.revenuePool!;
  const read = deps.chain.publicClient;
  try {
    return await Promise.all(
      rows.map(async (r) => {
        let received: AssistantRevenue['received'] = [];
        if (r.chainAssetId !== null) {
          const assetId = r.chainAssetId;
          const tokens = await read.readContract({ address: pool, abi: revenuePoolAbi, functionName: 'currenciesOf', args: [assetId] });
          received = await Promise.all(
            tokens.map(async (token) => ({
              currency: findCurrency(deps.currencies, token) ?? { symbol: 'units', address: token, decimals: 0 },
              amount: (await read.readContract({ address: pool, abi: revenuePoolAbi, functionName: 'poolOf', args: [assetId, token] })).totalReceived,
            })),
          );
        }
        return {
          publicId: r.publicId,
          name: r.name,
          visibility: r.visibility,
          status: r.status,
          chainAssetId: r.chainAssetId,
          received,
          licensesSold: sold.find((s) => s.assistantId === r.id)?.n ?? 0,
        };
      }),
    );
  } catch (cause) {
    throw toChainError(cause, 'RevenuePool.poolOf');
  }
}
