import { and, eq, isNull, sql } from 'drizzle-orm';
import type { AesKey } from '../../platform/crypto/aead.ts';
import type { Db } from '../../platform/db/client.ts';
import { hubAliases } from '../../platform/db/schema.ts';
import { InputError } from '../../platform/errors.ts';
import { findUserById } from '../../platform/identity/findUserById.ts';
import { aliasAccount } from './aliasAccount.ts';

/**
 * Ends the user's voting alias at once (beyond Snapshot, whose aliases only expire): every
 * authorisation of it by their wallet is marked revoked, so the hub refuses what it signs from
 * now on. Votes already cast stay.
 * @returns how many authorisations were revoked
 */
export async function revokeAlias(deps: { db: Db; masterKey: AesKey }, params: { userId: number; now?: number }): Promise<number> {
  const user = await findUserById(deps, params.userId);
  if (!user.walletAddress) throw new InputError('You have no linked wallet, so there is no alias to revoke: your custodial key signs your votes.');
  const alias = (await aliasAccount(deps, params.userId)).address;
  const revoked = await deps.db
    .update(hubAliases)
    .set({ revokedAt: params.now ?? Math.floor(Date.now() / 1000) })
    .where(and(sql`lower(${hubAliases.address}) = lower(${user.walletAddress})`, eq(hubAliases.alias, alias), isNull(hubAliases.revokedAt)))
    .returning({ id: hubAliases.id });
  if (!revoked.length) throw new InputError('Your wallet has not authorised a voting alias; nothing to revoke.');
  return revoked.length;
}
