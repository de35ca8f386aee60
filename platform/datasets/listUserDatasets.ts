import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { assets, datasets, receipts } from '../db/schema.ts';

/** A dataset as its owner sees it: its summary, and its on-chain asset and contributor receipt once minted. */
export type DatasetView = {
  id: number;
  publicId: string;
  name: string;
  format: string;
  rows: number;
  bytes: number;
  columns: string[] | null;
  sha256: string;
  status: string;
  access: 'open' | 'private';
  ownerId: number;
  /** Why review declined it, as the contributor was told. */
  rejectionReason: string | null;
  createdAt: Date;
  chainAssetId: bigint | null;
  chainReceiptId: bigint | null;
  receiptHolder: string | null;
  receiptTx: string | null;
};

/** Datasets joined with their asset and contributor receipt; callers add the `where`. */
export function selectDatasetViews(db: Db) {
  return db
    .select({
      id: datasets.id,
      publicId: datasets.publicId,
      name: datasets.name,
      format: datasets.format,
      rows: datasets.rows,
      bytes: datasets.bytes,
      columns: datasets.columns,
      sha256: datasets.sha256,
      status: datasets.status,
      access: datasets.access,
      ownerId: datasets.ownerId,
      rejectionReason: datasets.rejectionReason,
      createdAt: datasets.createdAt,
      chainAssetId: assets.chainAssetId,
      chainReceiptId: receipts.chainReceiptId,
      receiptHolder: receipts.holderAddress,
      receiptTx: receipts.txHash,
    })
    .from(datasets)
    .leftJoin(assets, eq(assets.datasetId, datasets.id))
    .leftJoin(receipts, and(eq(receipts.assetId, assets.id), eq(receipts.role, 'contributor')))
    .$dynamic();
}

/**
 * The user's datasets, newest first, each with its on-chain asset and receipt when minted;
 * `before` (an internal id) continues a list after its last item.
 */
export async function listUserDatasets(deps: { db: Db }, userId: number, limit = 20, options: { before?: number | undefined } = {}): Promise<DatasetView[]> {
  return selectDatasetViews(deps.db)
    .where(and(eq(datasets.ownerId, userId), options.before ? lt(datasets.id, options.before) : undefined))
    .orderBy(desc(datasets.id))
    .limit(limit);
}
