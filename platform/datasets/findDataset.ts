import { and, eq, or } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { datasets } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { parsePublicId } from '../ids.ts';
import { selectDatasetViews, type DatasetView } from './listUserDatasets.ts';

export type FoundDataset = DatasetView & { mine: boolean };

/**
 * A dataset as `userId` may see it: their own in any state (with its review outcome), or
 * someone else's when it is open and accepted. Anything else is unknown (never "forbidden").
 */
export async function findDataset(deps: { db: Db }, params: { userId: number; idText: string }): Promise<FoundDataset> {
  const publicId = parsePublicId('ds', params.idText);
  const unknown = () => new NotFoundError(`There is no dataset ${params.idText.trim().slice(0, 40) || '(none given)'} you can see.`);
  if (!publicId) throw unknown();
  const [row] = await selectDatasetViews(deps.db).where(
    and(eq(datasets.publicId, publicId), or(eq(datasets.ownerId, params.userId), and(eq(datasets.access, 'open'), eq(datasets.status, 'approved')))),
  );
  if (!row) throw unknown();
  return { ...row, mine: row.ownerId === params.userId };
}
