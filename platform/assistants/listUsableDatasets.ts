import { and, desc, eq, ilike, or } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { datasets } from '../db/schema.ts';

export type UsableDataset = { publicId: string; name: string; rows: number; format: string; mine: boolean };

/**
 * The datasets a user may build an assistant on: their own approved ones, then open approved
 * ones of others — never someone else's private data. `query` filters by name or id (for
 * autocomplete), newest first.
 */
export async function listUsableDatasets(deps: { db: Db }, params: { userId: number; query?: string | undefined; limit?: number }): Promise<UsableDataset[]> {
  const q = params.query?.trim();
  const rows = await deps.db
    .select({ publicId: datasets.publicId, name: datasets.name, rows: datasets.rows, format: datasets.format, ownerId: datasets.ownerId })
    .from(datasets)
    .where(
      and(
        eq(datasets.status, 'approved'),
        or(eq(datasets.ownerId, params.userId), eq(datasets.access, 'open')),
        q ? or(ilike(datasets.name, `%${escapeLike(q)}%`), ilike(datasets.publicId, `${escapeLike(q.toLowerCase())}%`)) : undefined,
      ),
    )
    .orderBy(desc(datasets.id))
    .limit(params.limit ?? 100);
  return rows
    .map(({ ownerId, ...r }) => ({ ...r, mine: ownerId === params.userId }))
    .sort((a, b) => Number(b.mine) - Number(a.mine));
}

/** Escapes LIKE's wildcards in user text. */
export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
