import { isNull } from 'drizzle-orm';
import { hubAliases } from '../../../platform/db/schema.ts';
import { allOf, whereConditions, type FilterFields } from './filters.ts';
import { orderOf, pageOf, type ListParameters } from './pagination.ts';
import type { HubAlias, HubReadDeps } from './types.ts';

/** The filters of `aliases(where: AliasWhere)`. */
export const aliasWhereFields = {
  id: { column: hubAliases.id, kind: 'string' },
  ipfs: { column: hubAliases.ipfs, kind: 'string' },
  address: { column: hubAliases.address, kind: 'address' },
  alias: { column: hubAliases.alias, kind: 'address' },
  created: { column: hubAliases.created, kind: 'int' },
} satisfies FilterFields;

export type AliasesParameters = ListParameters;
export type AliasesReturnType = HubAlias[];

/**
 * Aliases that were not revoked, newest first. Snapshot's clients check an alias with
 * `aliases(where: { address, alias, created_gt: now − 30 days })`; a revoked one (`/alias revoke`,
 * beyond Snapshot) is left out so that check fails at once.
 */
export async function aliases(deps: HubReadDeps, params: AliasesParameters): Promise<AliasesReturnType> {
  const { limit, offset } = pageOf(params);
  return deps.db
    .select({ id: hubAliases.id, ipfs: hubAliases.ipfs, address: hubAliases.address, alias: hubAliases.alias, created: hubAliases.created })
    .from(hubAliases)
    .where(allOf([isNull(hubAliases.revokedAt), ...whereConditions(aliasWhereFields, params.where)]))
    .orderBy(...orderOf(params, { created: hubAliases.created }, 'created', hubAliases.id))
    .limit(limit)
    .offset(offset);
}
