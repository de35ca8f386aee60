import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { apiKeys, licenses } from '../db/schema.ts';
import { InputError, NotFoundError } from '../errors.ts';
import { newPublicId } from '../ids.ts';
import { newApiToken } from './apiToken.ts';

/** How many live keys one user may hold. */
export const MAX_KEYS_PER_USER = 25;

export type CreateApiKeyParameters = {
  userId: number;
  name?: string | undefined;
} & ({ kind: 'personal' } | { kind: 'license'; /** The on-chain license id (`License #3`). */ chainLicenseId: bigint });

export type CreatedApiKey = {
  id: string;
  name: string;
  kind: 'personal' | 'license';
  /** The whole token: shown once, never stored. */
  token: string;
  prefix: string;
  license: { id: string; assistantId: number } | null;
  createdAt: Date;
};

/**
 * Creates an API key for `userId`: a personal key acting as them, or a key bound to one of their
 * API licenses (another user's license, or one of another kind, is unknown: 404). Only the
 * token's hash is kept; the token is in the result and nowhere else.
 */
export async function createApiKey(deps: { db: Db }, params: CreateApiKeyParameters): Promise<CreatedApiKey> {
  const name = (params.name ?? '').trim() || (params.kind === 'personal' ? 'personal key' : `license #${params.chainLicenseId}`);
  if (name.length > 60) throw new InputError('A key name can be at most 60 characters.');
  return deps.db.transaction(async (tx) => {
    // One creation at a time per user, so the cap holds under concurrent requests.
    await tx.execute(sql`select pg_advisory_xact_lock(${0x41504b}, ${params.userId})`);
    const [live] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(apiKeys)
      .where(and(eq(apiKeys.userId, params.userId), isNull(apiKeys.revokedAt)));
    if ((live?.n ?? 0) >= MAX_KEYS_PER_USER)
      throw new InputError(`You have ${MAX_KEYS_PER_USER} keys; revoke one you no longer use first.`);
    let license: { id: number; chainLicenseId: bigint; assistantId: number } | undefined;
    if (params.kind === 'license') {
      [license] = await tx
        .select({ id: licenses.id, chainLicenseId: licenses.chainLicenseId, assistantId: licenses.assistantId })
        .from(licenses)
        .where(and(eq(licenses.chainLicenseId, params.chainLicenseId), eq(licenses.userId, params.userId), eq(licenses.kind, 'api')));
      if (!license) throw new NotFoundError(`You hold no API license #${params.chainLicenseId}. /licenses lists yours.`);
    }
    const { token, prefix, hash } = newApiToken(params.kind);
    const [row] = await tx
      .insert(apiKeys)
      .values({ publicId: newPublicId('key'), userId: params.userId, kind: params.kind, licenseId: license?.id ?? null, name, prefix, tokenHash: hash })
      .returning();
    return {
      id: row!.publicId,
      name,
      kind: params.kind,
      token,
      prefix,
      license: license ? { id: license.chainLicenseId.toString(), assistantId: license.assistantId } : null,
      createdAt: row!.createdAt,
    };
  });
}
