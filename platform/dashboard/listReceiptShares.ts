import { and, asc, eq, gt } from 'drizzle-orm';
import type { Address } from 'viem';
import { receiptsAbi } from '../../contracts/bindings/index.ts';
import type { ChainDeps } from '../chain/clients.ts';
import { toChainError } from '../chain/toChainError.ts';
import type { Db } from '../db/client.ts';
import { assets, assistants, datasets, receipts } from '../db/schema.ts';

/** One receipt of the user, with what the chain says about it now. */
export type ReceiptShare = {
  chainReceiptId: bigint;
  role: 'contributor' | 'reviewer' | 'creator';
  asset: { chainAssetId: bigint; kind: 'dataset' | 'model' | 'assistant'; name: string; publicId: string | null };
  /** Who holds it now (`Receipts.ownerOf`): the custodial address or the linked wallet. */
  holder: Address;
  /** The receipt's shares (`Receipts.receiptInfo`) and the asset's total (`Receipts.totalShares`). */
  shares: bigint;
  totalShares: bigint;
  /** All of the holder's shares of the asset, on every receipt (`Receipts.sharesOf`). */
  holderShares: bigint;
  /** The transaction that issued it. */
  txHash: string;
};

/**
 * The user's receipts, oldest first, with holder and shares read from the `Receipts` contract (the
 * table only says which receipts were issued to the user; the chain says what they are worth now).
 * All of them, or a page: receipts numbered after `after`, at most `limit`.
 */
export async function listReceiptShares(
  deps: { db: Db; chain: ChainDeps },
  userId: number,
  page: { after?: bigint | undefined; limit?: number | undefined } = {},
): Promise<ReceiptShare[]> {
  const query = deps.db
    .select({
      chainReceiptId: receipts.chainReceiptId,
      role: receipts.role,
      txHash: receipts.txHash,
      chainAssetId: assets.chainAssetId,
      kind: assets.kind,
      dataset: { name: datasets.name, publicId: datasets.publicId },
      assistant: { name: assistants.name, publicId: assistants.publicId },
    })
    .from(receipts)
    .innerJoin(assets, eq(assets.id, receipts.assetId))
    .leftJoin(datasets, eq(datasets.id, assets.datasetId))
    .leftJoin(assistants, eq(assistants.id, assets.assistantId))
    .where(and(eq(receipts.userId, userId), page.after !== undefined ? gt(receipts.chainReceiptId, page.after) : undefined))
    .orderBy(asc(receipts.chainReceiptId))
    .$dynamic();
  if (page.limit) query.limit(page.limit);
  const rows = await query;
  const read = deps.chain.publicClient;
  const address = deps.chain.addresses.receipts;
  const totals = new Map<bigint, Promise<bigint>>();
  try {
    return await Promise.all(
      rows.map(async (r) => {
        const [[, shares], holder] = await Promise.all([
          read.readContract({ address, abi: receiptsAbi, functionName: 'receiptInfo', args: [r.chainReceiptId] }),
          read.readContract({ address, abi: receiptsAbi, functionName: 'ownerOf', args: [r.chainReceiptId] }),
        ]);
        if (!totals.has(r.chainAssetId))
          totals.set(r.chainAssetId, read.readContract({ address, abi: receiptsAbi, functionName: 'totalShares', args: [r.chainAssetId] }));
        const [totalShares, holderShares] = await Promise.all([
          totals.get(r.chainAssetId)!,
          read.readContract({ address, abi: receiptsAbi, functionName: 'sharesOf', args: [r.chainAssetId, holder] }),
        ]);
        const named = r.dataset ?? r.assistant;
        return {
          chainReceiptId: r.chainReceiptId,
          role: r.role,
          asset: { chainAssetId: r.chainAssetId, kind: r.kind, name: named?.name ?? `asset #${r.chainAssetId}`, publicId: named?.publicId ?? null },
          holder,
          shares,
          totalShares,
          holderShares,
          txHash: r.txHash,
        };
      }),
    );
  } catch (cause) {
    throw toChainError(cause, 'Receipts (shares of your receipts)');
  }
}
