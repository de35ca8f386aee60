import { eq } from 'drizzle-orm';
import { parseEventLogs, type Hex } from 'viem';
import { assetRegistryAbi, receiptsAbi } from '../../contracts/bindings/index.ts';
import type { Db } from '../db/client.ts';
import { assets, datasets, receipts, users } from '../db/schema.ts';
import { ChainError, InputError, NotFoundError } from '../errors.ts';
import type { ChainDeps } from '../chain/clients.ts';
import { sendOnce } from '../chain/sendOnce.ts';
import { payoutAddress } from '../identity/ensureUser.ts';

/** Shares of a dataset's receipt held by its sole contributor: 100 % in basis points of a million. */
export const FULL_SHARES = 1_000_000n;

/** `AssetKind.DATASET` in the AssetRegistry contract. */
const ASSET_KIND_DATASET = 0;

export type MintedReceipt = {
  datasetId: number;
  chainAssetId: bigint;
  chainReceiptId: bigint;
  holder: Hex;
  registerTx: Hex;
  issueTx: Hex;
};

/**
 * Registers an approved dataset as an asset on-chain (content hash only) and issues its
 * contributor a receipt. Each of the two transactions is sent at most once (`sendOnce`), and
 * database rows are written only from mined receipts, so a retry after any crash finishes the
 * job without a second asset or receipt.
 */
export async function mintDatasetReceipt(deps: { db: Db; chain: ChainDeps }, datasetId: number): Promise<MintedReceipt> {
  const { db, chain } = deps;
  const [row] = await db
    .select({ dataset: datasets, owner: users })
    .from(datasets)
    .innerJoin(users, eq(users.id, datasets.ownerId))
    .where(eq(datasets.id, datasetId));
  if (!row) throw new NotFoundError(`Dataset #${datasetId} does not exist.`);
  const { dataset, owner } = row;
  if (dataset.status !== 'approved')
    throw new InputError(`Dataset #${datasetId} is ${dataset.status.replace('_', ' ')}; only approved datasets earn receipts.`);
  const contentHash = `0x${dataset.sha256}` as Hex;

  let [asset] = await db.select().from(assets).where(eq(assets.datasetId, datasetId));
  if (!asset) {
    const receipt = await sendOnce(
      { db, chain },
      {
        key: `register:dataset:${datasetId}`,
        address: chain.addresses.assetRegistry,
        abi: assetRegistryAbi,
        functionName: 'registerAsset',
        args: [ASSET_KIND_DATASET, contentHash, `caravan://datasets/${datasetId}`, payoutAddress(owner), []],
      },
    );
    const [event] = parseEventLogs({ abi: assetRegistryAbi, logs: receipt.logs, eventName: 'AssetRegistered' });
    if (!event) throw new ChainError('The registration transaction emitted no AssetRegistered event.');
    [asset] = await db
      .insert(assets)
      .values({
        kind: 'dataset',
        datasetId,
        contentHash,
        chainAssetId: event.args.assetId,
        txHash: receipt.transactionHash,
      })
      .onConflictDoNothing()
      .returning();
    asset ??= (await db.select().from(assets).where(eq(assets.datasetId, datasetId)))[0]!;
  }

  const holder = payoutAddress(owner);
  let [minted] = await db.select().from(receipts).where(eq(receipts.assetId, asset.id));
  if (!minted) {
    const receipt = await sendOnce(
      { db, chain },
      {
        key: `issue:dataset:${datasetId}`,
        address: chain.addresses.receipts,
        abi: receiptsAbi,
        functionName: 'issue',
        args: [holder, asset.chainAssetId, FULL_SHARES],
      },
    );
    const [event] = parseEventLogs({ abi: receiptsAbi, logs: receipt.logs, eventName: 'ReceiptIssued' });
    if (!event) throw new ChainError('The issue transaction emitted no ReceiptIssued event.');
    [minted] = await db
      .insert(receipts)
      .values({
        assetId: asset.id,
        userId: owner.id,
        holderAddress: event.args.holder,
        shares: event.args.shares,
        chainReceiptId: event.args.receiptId,
        txHash: receipt.transactionHash,
      })
      .onConflictDoNothing()
      .returning();
    minted ??= (await db.select().from(receipts).where(eq(receipts.assetId, asset.id)))[0]!;
  }

  return {
    datasetId,
    chainAssetId: asset.chainAssetId,
    chainReceiptId: minted.chainReceiptId,
    holder: minted.holderAddress as Hex,
    registerTx: asset.txHash as Hex,
    issueTx: minted.txHash as Hex,
  };
}
