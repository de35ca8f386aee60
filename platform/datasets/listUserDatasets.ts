import { desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { assets, datasets, receipts } from '../db/schema.ts';

/** A dataset as people see it: its summary, and its on-chain asset and receipt once minted. */
export type DatasetView = {
  id: number;
  name: string;
  format: string;
  rows: number;
  bytes: number;
  columns: string[] | null;
  sha256: string;
  status: string;
  createdAt: Date;
  chainAssetId: bigint | null;
  chainReceiptId: bigint | null;
  receiptHolder: string | null;
  receiptTx: string | null;
};

/** Datasets joined with their asset and receipt; callers add the `where`. */
export function selectDatasetViews(db: Db) {
  return db
    .select({
      id: datasets.id,
      name: datasets.name,
      format: datasets.format,
      rows: datasets.rows,
      bytes: datasets.bytes,
      columns: datasets.columns,
      sha256: datasets.sha256,
      status: datasets.status,
      createdAt: datasets.createdAt,
      chainAssetId: assets.chainAssetId,
      chainReceiptId: receipts.chainReceiptId,
      receiptHolder: receipts.holderAddress,
      receiptTx: receipts.txHash,
    })
    .from(datasets)
    .leftJoin(assets, eq(assets.datasetId, datasets.id))
    .leftJoin(receipts, eq(receipts.assetId, assets.id))
    .$dynamic();
}

/** The user's datasets, newest first, each with its on-chain asset and receipt when minted. */
export async function listUserDatasets(deps: { db: Db }, userId: number, limit = 20): Promise<DatasetView[]> {
  return selectDatasetViews(deps.db).where(eq(datasets.ownerId, userId)).orderBy(desc(datasets.id)).limit(limit);
}

/** One dataset's view, or undefined. */
export async function getDatasetView(deps: { db: Db }, datasetId: number): Promise<DatasetView | undefined> {
  const [row] = await selectDatasetViews(deps.db).where(eq(datasets.id, datasetId));
  return row;
}
