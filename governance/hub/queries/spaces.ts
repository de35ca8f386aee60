import { eq } from 'drizzle-orm';
import { hubSpaces } from '../../../platform/db/schema.ts';
import { allOf, whereConditions, type FilterFields } from './filters.ts';
import { formatSpace } from './format.ts';
import { orderOf, pageOf, type ListParameters } from './pagination.ts';
import type { HubReadDeps, HubSpace } from './types.ts';

/** The filters of `spaces(where: SpaceWhere)`. */
export const spaceWhereFields = {
  id: { column: hubSpaces.id, kind: 'string' },
  created: { column: hubSpaces.created, kind: 'int' },
  controller: { column: hubSpaces.controller, kind: 'address' },
} satisfies FilterFields;

export type SpacesParameters = ListParameters;
export type SpacesReturnType = HubSpace[];

/**
 * Spaces that are not deleted, newest first unless `orderBy` (`created`, `updated`, `id`) and
 * `orderDirection` say otherwise.
 *
 * @example
 * const list = await spaces({ db }, { where: { id_in: ['caravan.eth'] } });
 */
export async function spaces(deps: HubReadDeps, params: SpacesParameters): Promise<SpacesReturnType> {
  const { limit, offset } = pageOf(params);
  const rows = await deps.db
    .select()
    .from(hubSpaces)
    .where(allOf([eq(hubSpaces.deleted, 0), ...whereConditions(spaceWhereFields, params.where)]))
    .orderBy(...orderOf(params, { created: hubSpaces.created, updated: hubSpaces.updated, id: hubSpaces.id }, 'created', hubSpaces.id))
    .limit(limit)
    .offset(offset);
  return rows.map(formatSpace);
}
