import { desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { assets, datasets, receipts } from '../db/schema.ts';

export type UserDatasetRow = {
  id: number;
  name: string;
  format: string;
  rows: number;
  bytes: number;
  sha256: string;
  status: string;
  createdAt: Date;
  chainAssetId: bigint | null;
  chainReceiptId: bigint | null;
  receiptTx: string | null;
};

/** The user's datasets, newest first, each with its on-chain asset and receipt when minted. */
export async function listUserDatasets(deps: { db: Db }, userId: number, limit = 20): Promise<UserDatasetRow[]> {
  return deps.db
    .select({
      id: datasets.id,
      name: datasets.name,
      format: datasets.format,
      rows: datasets.rows,
      bytes: datasets.bytes,
      sha256: datasets.sha256,
      status: datasets.status,
      createdAt: datasets.createdAt,
      chainAssetId: assets.chainAssetId,
      chainReceiptId: receipts.chainReceiptId,
      receiptTx: receipts.txHash,
    })
    .from(datasets)
    .leftJoin(assets, eq(assets.datasetId, datasets.id))
    .leftJoin(receipts, eq(receipts.assetId, assets.id))
    .where(eq(datasets.ownerId, userId))
    .orderBy(desc(datasets.id))
    .limit(limit);
}
