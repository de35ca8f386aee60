import { and, eq } from 'drizzle-orm';
import { hubSpaces } from '../../../platform/db/schema.ts';
import { formatSpace } from './format.ts';
import type { HubReadDeps, HubSpace } from './types.ts';

export type SpaceParameters = { id: string };
export type SpaceReturnType = HubSpace | null;

/** One space by id (null when there is none, or it was deleted), as snapshot-hub's `space(id)`. */
export async function space(deps: HubReadDeps, { id }: SpaceParameters): Promise<SpaceReturnType> {
  const [row] = await deps.db
    .select()
    .from(hubSpaces)
    .where(and(eq(hubSpaces.id, id), eq(hubSpaces.deleted, 0)));
  return row ? formatSpace(row) : null;
}
