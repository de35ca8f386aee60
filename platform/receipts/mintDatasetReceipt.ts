import { eq } from 'drizzle-orm';
import type { Hex } from 'viem';
import type { Db } from '../db/client.ts';
import { datasets, users } from '../db/schema.ts';
import { InputError, NotFoundError } from '../errors.ts';
import type { ChainDeps } from '../chain/clients.ts';
import { registerWithReceipt, type MintedReceipt } from './registerWithReceipt.ts';

export { FULL_SHARES } from './registerWithReceipt.ts';
export type { MintedReceipt } from './registerWithReceipt.ts';

/**
 * Registers an approved dataset as an asset on-chain (content hash only) and issues its
 * contributor a receipt; idempotent (see `registerWithReceipt`).
 */
export async function mintDatasetReceipt(deps: { db: Db; chain: ChainDeps }, datasetId: number): Promise<MintedReceipt> {
  const [row] = await deps.db
    .select({ dataset: datasets, owner: users })
    .from(datasets)
    .innerJoin(users, eq(users.id, datasets.ownerId))
    .where(eq(datasets.id, datasetId));
  if (!row) throw new NotFoundError(`Dataset #${datasetId} does not exist.`);
  if (row.dataset.status !== 'approved')
    throw new InputError(`Dataset #${datasetId} is ${row.dataset.status.replace('_', ' ')}; only approved datasets earn receipts.`);
  return registerWithReceipt(deps, {
    subject: { kind: 'dataset', datasetId },
    contentHash: `0x${row.dataset.sha256}` as Hex,
    uri: `caravan://datasets/${datasetId}`,
    owner: row.owner,
    parents: [],
  });
}
