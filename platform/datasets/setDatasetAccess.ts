import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { datasets } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';

/**
 * Opens a dataset to everyone's assistants or makes it private to its owner's. Assistants
 * already built on it keep it (their lineage is on-chain); only new ones are affected. Only the
 * owner can; anyone else's dataset is unknown (404).
 */
export async function setDatasetAccess(deps: { db: Db }, params: { userId: number; datasetId: number; access: 'open' | 'private' }): Promise<{ name: string; publicId: string }> {
  const [row] = await deps.db
    .update(datasets)
    .set({ access: params.access })
    .where(and(eq(datasets.id, params.datasetId), eq(datasets.ownerId, params.userId)))
    .returning({ name: datasets.name, publicId: datasets.publicId });
  if (!row) throw new NotFoundError('There is no such dataset of yours.');
  return row;
}
