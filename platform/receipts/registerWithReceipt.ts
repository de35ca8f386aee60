import { and, eq } from 'drizzle-orm';
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

export type ReceiptRole = 'contributor' | 'reviewer' | 'creator';

/** One receipt as issued: its holder and shares as the chain's `ReceiptIssued` event recorded them. */
export type IssuedReceipt = { userId: number; role: ReceiptRole; chainReceiptId: bigint; holder: Hex; shares: bigint; issueTx: Hex };

export type MintedReceipt = {
  chainAssetId: bigint;
  chainReceiptId: bigint;
  holder: Hex;
  registerTx: Hex;
  issueTx: Hex;
};

export type RegisterWithReceiptsParameters = {
  /** What the asset is off-chain: exactly one of a dataset or an assistant. */
  subject: { kind: 'dataset'; datasetId: number } | { kind: 'assistant'; assistantId: number };
  contentHash: Hex;
  uri: string;
  /** The asset's owner on-chain (registry metadata): its creator or contributor. */
  owner: User;
  parents: Array<{ assetId: bigint; relation: number }>;
  /** The receipts to issue, in order; at most one per user and role. */
  holders: Array<{ user: User; role: ReceiptRole; shares: bigint }>;
};

/**
 * Registers an asset on-chain and issues its receipts. Each transaction is sent at most once
 * (`sendOnce`, keyed by the subject and the holder), and rows are written only from mined
 * receipts, so a retry after any crash finishes without a second asset or receipt.
 */
export async function registerWithReceipts(
  deps: { db: Db; chain: ChainDeps },
  params: RegisterWithReceiptsParameters,
): Promise<{ chainAssetId: bigint; assetRowId: number; registerTx: Hex; receipts: IssuedReceipt[] }> {
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

  const issued: IssuedReceipt[] = [];
  for (const holder of params.holders) {
    const mine = and(eq(receipts.assetId, asset.id), eq(receipts.userId, holder.user.id), eq(receipts.role, holder.role));
    let [row] = await db.select().from(receipts).where(mine);
    if (!row) {
      // The first holder keeps the key receipts were always issued under, so older retries still match.
      const key =
        holder.role === 'reviewer'
          ? `issue:${subject.kind}:${subjectId}:reviewer:${holder.user.id}`
          : `issue:${subject.kind}:${subjectId}`;
      const receipt = await sendOnce(
        { db, chain },
        {
          key,
          address: chain.addresses.receipts,
          abi: receiptsAbi,
          functionName: 'issue',
          args: [payoutAddress(holder.user), asset.chainAssetId, holder.shares],
        },
      );
      const [event] = parseEventLogs({ abi: receiptsAbi, logs: receipt.logs, eventName: 'ReceiptIssued' });
      if (!event) throw new ChainError('The issue transaction emitted no ReceiptIssued event.');
      [row] = await db
        .insert(receipts)
        .values({
          assetId: asset.id,
          userId: holder.user.id,
          role: holder.role,
          holderAddress: event.args.holder,
          shares: event.args.shares,
          chainReceiptId: event.args.receiptId,
          txHash: receipt.transactionHash,
        })
        .onConflictDoNothing()
        .returning();
      row ??= (await db.select().from(receipts).where(mine))[0]!;
    }
    issued.push({
      userId: row.userId,
      role: row.role,
      chainReceiptId: row.chainReceiptId,
      holder: row.holderAddress as Hex,
      shares: row.shares,
      issueTx: row.txHash as Hex,
    });
  }
  return { chainAssetId: asset.chainAssetId, assetRowId: asset.id, registerTx: asset.txHash as Hex, receipts: issued };
}
