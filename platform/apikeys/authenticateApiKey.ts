import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { licensesAbi } from '../../contracts/bindings/index.ts';
import type { ChainDeps } from '../chain/clients.ts';
import type { Db } from '../db/client.ts';
import { apiKeys, licenses } from '../db/schema.ts';
import { chainNow } from '../money/chainNow.ts';
import { hashApiToken, isApiTokenShape } from './apiToken.ts';
import { ApiKeyError } from './errors.ts';

/** Who is calling: the key's owner, and for a license key the license and assistant it is bound to. */
export type ApiPrincipal = {
  keyId: number;
  keyPublicId: string;
  userId: number;
  kind: 'personal' | 'license';
  /** License keys: the license (internal id) and its assistant (internal id). */
  license: { id: number; chainLicenseId: bigint; assistantId: number; expiresAt: Date | null; quota: number; chainTermsId: bigint } | null;
};

/**
 * The principal a bearer token stands for, or `ApiKeyError` (401): not one of our tokens, revoked,
 * or bound to an API license that has expired by the chain's clock (a renewal paid elsewhere is
 * read from `Licenses.expiresAt` and counts at once). Records the key's last use.
 */
export async function authenticateApiKey(deps: { db: Db; chain: ChainDeps }, token: string): Promise<ApiPrincipal> {
  if (!isApiTokenShape(token)) throw new ApiKeyError('That is not a Caravan API key (they start with cvn_).', 'invalid_key');
  const [row] = await deps.db
    .select({ key: apiKeys, license: licenses })
    .from(apiKeys)
    .leftJoin(licenses, eq(licenses.id, apiKeys.licenseId))
    .where(eq(apiKeys.tokenHash, hashApiToken(token)));
  if (!row) throw new ApiKeyError('This API key is not valid.', 'invalid_key');
  if (row.key.revokedAt) throw new ApiKeyError('This API key was revoked.', 'key_revoked');
  let license: ApiPrincipal['license'] = null;
  if (row.key.kind === 'license') {
    const l = row.license;
    if (!l) throw new ApiKeyError('This API key is not valid.', 'invalid_key');
    let expiresAt = l.expiresAt;
    // Licenses move with their NFT: a key stops with its owner's hold on the license.
    if (l.userId !== row.key.userId) throw new ApiKeyError('The license this key is bound to is no longer yours.', 'key_expired');
    const now = expiresAt ? (await chainNow(deps)).getTime() : 0;
    if (expiresAt && expiresAt.getTime() <= now) {
      const onChain = await deps.chain.publicClient
        .readContract({ address: deps.chain.addresses.licenses!, abi: licensesAbi, functionName: 'expiresAt', args: [l.chainLicenseId] })
        .catch(() => undefined);
      const renewed = onChain !== undefined ? new Date(Number(onChain) * 1000) : null;
      if (!renewed || renewed.getTime() <= now)
        throw new ApiKeyError(`License #${l.chainLicenseId} expired on ${expiresAt.toISOString().slice(0, 10)}; renew it to use this key.`, 'key_expired');
      await deps.db.update(licenses).set({ expiresAt: renewed, reminderSentAt: null }).where(eq(licenses.id, l.id));
      expiresAt = renewed;
    }
    license = { id: l.id, chainLicenseId: l.chainLicenseId, assistantId: l.assistantId, expiresAt, quota: l.quota, chainTermsId: l.chainTermsId };
  }
  // Last use, to the second (one write per key per second at most).
  await deps.db
    .update(apiKeys)
    .set({ lastUsedAt: new Date() })
    .where(and(eq(apiKeys.id, row.key.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, sql`now() - interval '1 second'`))));
  return { keyId: row.key.id, keyPublicId: row.key.publicId, userId: row.key.userId, kind: row.key.kind, license };
}
