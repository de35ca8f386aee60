import crypto from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import type { Hex } from 'viem';
import type { Db } from '../db/client.ts';
import { assets, assistantDatasets, assistants, users } from '../db/schema.ts';
import { BaseError, InputError, NotFoundError } from '../errors.ts';
import type { ChainDeps } from '../chain/clients.ts';
import { FULL_SHARES, RELATION, registerWithReceipts, type MintedReceipt } from './registerWithReceipt.ts';

/** A parent dataset is not on-chain yet; the assistant's registration waits for it. */
export class LineageNotReadyError extends BaseError {
  override name = 'LineageNotReadyError' as const;
}

/**
 * Registers a trained assistant on-chain as an ASSISTANT asset whose lineage is TRAINED_ON
 * each of its datasets (so license revenue routes royalties to their receipt holders), and
 * issues its creator a receipt. `modelBytes` are the trained weights: their sha256 is the
 * asset's content hash. Idempotent (see `registerWithReceipts`).
 */
export async function mintAssistantReceipt(
  deps: { db: Db; chain: ChainDeps },
  params: { assistantId: number; modelBytes: Uint8Array },
): Promise<MintedReceipt & { parents: bigint[] }> {
  const [row] = await deps.db
    .select({ assistant: assistants, owner: users })
    .from(assistants)
    .innerJoin(users, eq(users.id, assistants.ownerId))
    .where(eq(assistants.id, params.assistantId));
  if (!row) throw new NotFoundError(`Assistant #${params.assistantId} does not exist.`);
  if (row.assistant.status !== 'ready')
    throw new InputError(`Assistant #${params.assistantId} is ${row.assistant.status}; only trained assistants are registered.`);
  const links = await deps.db
    .select({ datasetId: assistantDatasets.datasetId })
    .from(assistantDatasets)
    .where(eq(assistantDatasets.assistantId, params.assistantId));
  const ids = links.map((l) => l.datasetId);
  const parentAssets = ids.length
    ? await deps.db.select({ datasetId: assets.datasetId, chainAssetId: assets.chainAssetId }).from(assets).where(inArray(assets.datasetId, ids))
    : [];
  const missing = ids.filter((id) => !parentAssets.some((p) => p.datasetId === id));
  if (missing.length)
    throw new LineageNotReadyError(`Dataset${missing.length > 1 ? 's' : ''} ${missing.map((m) => `#${m}`).join(', ')} not on-chain yet.`, {
      retryable: true,
    });
  const parents = parentAssets.map((p) => p.chainAssetId).sort((a, b) => (a < b ? -1 : 1));
  const contentHash = `0x${crypto.createHash('sha256').update(params.modelBytes).digest('hex')}` as Hex;
  const minted = await registerWithReceipts(deps, {
    subject: { kind: 'assistant', assistantId: params.assistantId },
    contentHash,
    // The chain is public: the URI names the content, never an id that would reveal a private assistant.
    uri: `caravan://assistants/${contentHash}`,
    owner: row.owner,
    parents: parents.map((assetId) => ({ assetId, relation: RELATION.TRAINED_ON })),
    holders: [{ user: row.owner, role: 'creator', shares: FULL_SHARES }],
  });
  const creator = minted.receipts[0]!;
  return {
    chainAssetId: minted.chainAssetId,
    chainReceiptId: creator.chainReceiptId,
    holder: creator.holder,
    registerTx: minted.registerTx,
    issueTx: creator.issueTx,
    parents,
  };
}
