import { and, eq, gt, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../../platform/db/client.ts';
import { hubAliases } from '../../platform/db/schema.ts';

/** Snapshot's alias lifetime: 30 days from the alias message's timestamp. */
export const ALIAS_VALIDITY_SECONDS = 30 * 24 * 60 * 60;

/** Whether `alias` may sign for `address` now: an alias message younger than 30 days, not revoked. */
export async function isValidAlias(deps: { db: DbOrTx }, params: { address: string; alias: string; now: number }): Promise<boolean> {
  const [row] = await deps.db
    .select({ id: hubAliases.id })
    .from(hubAliases)
    .where(
      and(
        eq(hubAliases.address, params.address),
        eq(hubAliases.alias, params.alias),
        gt(hubAliases.created, Math.floor(params.now) - ALIAS_VALIDITY_SECONDS),
        isNull(hubAliases.revokedAt),
      ),
    )
    .limit(1);
  return row !== undefined;
}
