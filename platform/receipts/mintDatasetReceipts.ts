import { and, asc, eq, inArray, isNotNull } from 'drizzle-orm';
import type { Hex } from 'viem';
import { receiptsAbi } from '../../contracts/bindings/index.ts';
import type { Db } from '../db/client.ts';
import { datasets, identities, reviews, uploads, users } from '../db/schema.ts';
import { InputError, NotFoundError } from '../errors.ts';
import type { ChainDeps } from '../chain/clients.ts';
import type { JobsPort } from '../jobsPort.ts';
import type { ChatTarget } from '../notifications/types.ts';
import { receiptMinted, reviewerReceiptMinted, type ReceiptLine } from '../messages/uploads.ts';
import { FULL_SHARES, registerWithReceipts } from './registerWithReceipt.ts';

export type MintDatasetReceiptsDeps = { db: Db; chain: ChainDeps; jobs: Pick<JobsPort, 'notify'>; reviewerShareBps: number };

export type MintDatasetReceiptsReturnType = {
  chainAssetId: bigint;
  totalShares: bigint;
  contributor: ReceiptLine;
  reviewers: Array<ReceiptLine & { userId: number }>;
};

/**
 * Registers an approved dataset on-chain (content hash only) and issues its receipts: one to the
 * contributor, and one to each validator whose approval accepted it, holding
 * `reviewerShareBps` of the asset each (the contributor holds the rest). Shares shown to people
 * are read back from the chain. Each holder is told once. Idempotent end to end.
 */
export async function mintDatasetReceipts(deps: MintDatasetReceiptsDeps, datasetId: number): Promise<MintDatasetReceiptsReturnType> {
  const { db, chain } = deps;
  const [row] = await db
    .select({ dataset: datasets, owner: users })
    .from(datasets)
    .innerJoin(users, eq(users.id, datasets.ownerId))
    .where(eq(datasets.id, datasetId));
  if (!row) throw new NotFoundError(`Dataset #${datasetId} does not exist.`);
  const { dataset, owner } = row;
  if (dataset.status !== 'approved')
    throw new InputError(`Dataset ${dataset.publicId} is ${dataset.status.replace('_', ' ')}; only approved datasets earn receipts.`);

  const approvals = await db
    .select({ user: users })
    .from(reviews)
    .innerJoin(users, eq(users.id, reviews.reviewerUserId))
    .where(and(eq(reviews.datasetId, datasetId), eq(reviews.decision, 'approved'), isNotNull(reviews.reviewerUserId)))
    .orderBy(asc(reviews.id));
  const reviewerShares = (FULL_SHARES * BigInt(deps.reviewerShareBps)) / 10_000n;
  const reviewers = reviewerShares > 0n ? approvals.map((a) => a.user) : [];

  const minted = await registerWithReceipts(deps, {
    subject: { kind: 'dataset', datasetId },
    contentHash: `0x${dataset.sha256}` as Hex,
    // The chain is public: the URI names the content, never an id that would reveal a private dataset.
    uri: `caravan://datasets/0x${dataset.sha256}`,
    owner,
    parents: [],
    holders: [
      { user: owner, role: 'contributor', shares: FULL_SHARES - reviewerShares * BigInt(reviewers.length) },
      ...reviewers.map((user) => ({ user, role: 'reviewer' as const, shares: reviewerShares })),
    ],
  });

  // What people are told comes from the chain, not from what we asked for.
  const totalShares = await chain.publicClient.readContract({
    address: chain.addresses.receipts,
    abi: receiptsAbi,
    functionName: 'totalShares',
    args: [minted.chainAssetId],
  });
  const lines = await Promise.all(
    minted.receipts.map(async (r) => {
      const [, shares] = await chain.publicClient.readContract({
        address: chain.addresses.receipts,
        abi: receiptsAbi,
        functionName: 'receiptInfo',
        args: [r.chainReceiptId],
      });
      return { ...r, shares, totalShares };
    }),
  );
  const contributor = lines.find((l) => l.role === 'contributor')!;
  const reviewerLines = lines.filter((l) => l.role === 'reviewer');

  const [upload] = await db.select().from(uploads).where(eq(uploads.datasetId, datasetId)).orderBy(asc(uploads.createdAt)).limit(1);
  // An upload over the API has no chat to tell: its owner reads the receipt over REST.
  if (upload?.replyTarget)
    await deps.jobs.notify({
      key: `upload:${upload.id}:result`,
      target: upload.replyTarget as ChatTarget,
      reply: {
        text: receiptMinted(dataset, { chainAssetId: minted.chainAssetId }, contributor, approvals.length ? { approvals: approvals.length } : 'auto'),
      },
    });
  if (reviewerLines.length) {
    const ids = await db
      .select({ userId: identities.userId, platform: identities.platform, externalId: identities.externalId })
      .from(identities)
      .where(inArray(identities.userId, reviewerLines.map((r) => r.userId)));
    for (const r of reviewerLines) {
      const identity = ids.find((i) => i.userId === r.userId);
      if (!identity) continue;
      await deps.jobs.notify({
        key: `dataset:${datasetId}:reviewer:${r.userId}:receipt`,
        target: { identity: { platform: identity.platform, externalId: identity.externalId } },
        reply: { text: reviewerReceiptMinted(dataset, { chainAssetId: minted.chainAssetId }, r) },
      });
    }
  }
  return { chainAssetId: minted.chainAssetId, totalShares, contributor, reviewers: reviewerLines };
}
