import { and, eq, getTableColumns } from 'drizzle-orm';
import { hubFollows, hubSpaces } from '../../../platform/db/schema.ts';
import { allOf, whereConditions, type FilterFields } from './filters.ts';
import { formatFollow } from './format.ts';
import { orderOf, pageOf, type ListParameters } from './pagination.ts';
import type { HubFollow, HubReadDeps } from './types.ts';

/** The filters of `follows(where: FollowWhere)`. */
export const followWhereFields = {
  id: { column: hubFollows.id, kind: 'string' },
  ipfs: { column: hubFollows.ipfs, kind: 'string' },
  follower: { column: hubFollows.follower, kind: 'address' },
  space: { column: hubFollows.space, kind: 'string' },
  network: { column: hubFollows.network, kind: 'string' },
  created: { column: hubFollows.created, kind: 'int' },
} satisfies FilterFields;

export type FollowsParameters = ListParameters;
export type FollowsReturnType = HubFollow[];

/** Follows of spaces that exist, newest first. */
export async function follows(deps: HubReadDeps, params: FollowsParameters): Promise<FollowsReturnType> {
  const { limit, offset } = pageOf(params);
  const rows = await deps.db
    .select(getTableColumns(hubFollows))
    .from(hubFollows)
    .innerJoin(hubSpaces, and(eq(hubSpaces.id, hubFollows.space), eq(hubSpaces.deleted, 0)))
    .where(allOf(whereConditions(followWhereFields, params.where)))
    .orderBy(...orderOf(params, { created: hubFollows.created }, 'created', hubFollows.id))
    .limit(limit)
    .offset(offset);
  return rows.map(formatFollow);
}
