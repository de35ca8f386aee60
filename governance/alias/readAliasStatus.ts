import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Address } from 'viem';
import type { AesKey } from '../../platform/crypto/aead.ts';
import type { Db } from '../../platform/db/client.ts';
import { hubAliases } from '../../platform/db/schema.ts';
import { findUserById } from '../../platform/identity/findUserById.ts';
import { ALIAS_VALIDITY_SECONDS } from '../hub/isValidAlias.ts';
import { aliasAccount } from './aliasAccount.ts';

export type AliasStatus = {
  /** The linked wallet the alias signs for; undefined when none is linked (custodial keys sign directly). */
  wallet: Address | undefined;
  alias: Address;
  /** Unix seconds when the newest authorisation ends; undefined when there is none in force. */
  validUntil: number | undefined;
};

/** Whether the user's linked wallet has authorised their voting alias, and until when (30 days from its alias message). */
export async function readAliasStatus(deps: { db: Db; masterKey: AesKey }, params: { userId: number; now?: number }): Promise<AliasStatus> {
  const user = await findUserById(deps, params.userId);
  const alias = (await aliasAccount(deps, params.userId)).address;
  if (!user.walletAddress) return { wallet: undefined, alias, validUntil: undefined };
  const now = params.now ?? Math.floor(Date.now() / 1000);
  const [row] = await deps.db
    .select({ created: hubAliases.created })
    .from(hubAliases)
    .where(and(sql`lower(${hubAliases.address}) = lower(${user.walletAddress})`, eq(hubAliases.alias, alias), isNull(hubAliases.revokedAt)))
    .orderBy(desc(hubAliases.created))
    .limit(1);
  const until = row ? row.created + ALIAS_VALIDITY_SECONDS : undefined;
  return { wallet: user.walletAddress as Address, alias, validUntil: until !== undefined && until > now ? until : undefined };
}
