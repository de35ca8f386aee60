import { eq } from 'drizzle-orm';
import { parseEventLogs, type Hex } from 'viem';
import { assetRegistryAbi, receiptsAbi } from '../../contracts/bindings/index.ts';
import type { Db } from '../db/client.ts';
import { assets, receipts } from '../db/schema.ts';
import { ChainError } from '../errors.ts';
import type { ChainDeps } from '../chain/clients.ts';
import { sendOnce } from '../chain/sendOnce.ts';
import { payoutAddress, type User } from '../identity/ensureUser.ts';

/** Shares of a receipt held by an asset's sole initial holder: 100 % as parts per million. */
export const FULL_SHARES = 1_000_000n;

/** `AssetKind` and `Relation` of the AssetRegistry contract. */
export const ASSET_KIND = { dataset: 0, model: 1, assistant: 2 } as const;
export const RELATION = { TRAINED_ON: 0, FINETUNED_FROM: 1 } as const;

export type MintedReceipt = {
  chainAssetId: bigint;
  chainReceiptId: bigint;
  holder: Hex;
  registerTx: Hex;
  issueTx: Hex;
};

export type RegisterWithReceiptParameters = {
  /** What the asset is off-chain: exactly one of a dataset or an assistant. */
  subject: { kind: 'dataset'; datasetId: number } | { kind: 'assistant'; assistantId: number };
  contentHash: Hex;
  uri: string;
  owner: User;
  parents: Array<{ assetId: bigint; relation: number }>;
};

/**
 * Registers an asset on-chain and issues its owner a receipt. Each of the two transactions
 * is sent at most once (`sendOnce`, keyed by the subject), and rows are written only from
 * mined receipts, so a retry after any crash finishes without a second asset or receipt.
 */
export async function registerWithReceipt(
  deps: { db: Db; chain: ChainDeps },
  params: RegisterWithReceiptParameters,
): Promise<MintedReceipt> {
  const { db, chain } = deps;
  const { subject } = params;
  const subjectId = subject.kind === 'dataset' ? subject.datasetId : subject.assistantId;
  const bySubject =
    subject.kind === 'dataset' ? eq(assets.datasetId, subject.datasetId) : eq(assets.assistantId, subject.assistantId);

  let [asset] = await db.select().from(assets).where(bySubject);
  if (!asset) {
    const receipt = await sendOnce(
      { db, chain },
      {
        key: `register:${subject.kind}:${subjectId}`,
        address: chain.addresses.assetRegistry,
        abi: assetRegistryAbi,
        functionName: 'registerAsset',
        args: [
          ASSET_KIND[subject.kind],
          params.contentHash,
          params.uri,
          payoutAddress(params.owner),
          params.parents.map((p) => ({ assetId: p.assetId, relation: p.relation })),
        ],
      },
    );
    const [event] = parseEventLogs({ abi: assetRegistryAbi, logs: receipt.logs, eventName: 'AssetRegistered' });
    if (!event) throw new ChainError('The registration transaction emitted no AssetRegistered event.');
    [asset] = await db
      .insert(assets)
      .values({
        kind: subject.kind,
        ...(subject.kind === 'dataset' ? { datasetId: subject.datasetId } : { assistantId: subject.assistantId }),
        contentHash: params.contentHash,
        chainAssetId: event.args.assetId,
        txHash: receipt.transactionHash,
      })
      .onConflictDoNothing()
      .returning();
    asset ??= (await db.select().from(assets).where(bySubject))[0]!;
  }

  let [minted] = await db.select().from(receipts).where(eq(receipts.assetId, asset.id));
  if (!minted) {
    const receipt = await sendOnce(
      { db, chain },
      {
        key: `issue:${subject.kind}:${subjectId}`,
        address: chain.addresses.receipts,
        abi: receiptsAbi,
        functionName: 'issue',
        args: [payoutAddress(params.owner), asset.chainAssetId, FULL_SHARES],
      },
    );
    const [event] = parseEventLogs({ abi: receiptsAbi, logs: receipt.logs, eventName: 'ReceiptIssued' });
    if (!event) throw new ChainError('The issue transaction emitted no ReceiptIssued event.');
    [minted] = await db
      .insert(receipts)
      .values({
        assetId: asset.id,
        userId: params.owner.id,
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
    chainAssetId: asset.chainAssetId,
    chainReceiptId: minted.chainReceiptId,
    holder: minted.holderAddress as Hex,
    registerTx: asset.txHash as Hex,
    issueTx: minted.txHash as Hex,
  };
}
