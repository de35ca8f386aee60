import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { apiKeys } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { parsePublicId } from '../ids.ts';

export type RevokeApiKeyParameters = { keyId: string } & (
  | { userId: number }
  /** The operator (`caravan apikey revoke`): any user's key. */
  | { asOperator: true }
);

/**
 * Revokes one of the user's keys (or, for the operator, anyone's), at once: the next request with
 * it is refused. Someone else's key, or one already revoked, is unknown (404).
 */
export async function revokeApiKey(deps: { db: Db }, params: RevokeApiKeyParameters): Promise<{ id: string; name: string }> {
  const publicId = parsePublicId('key', params.keyId);
  const unknown = new NotFoundError(`${'userId' in params ? 'You have' : 'There is'} no key ${params.keyId.trim().slice(0, 40) || '(none given)'}.`);
  if (!publicId) throw unknown;
  const [row] = await deps.db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.publicId, publicId), 'userId' in params ? eq(apiKeys.userId, params.userId) : undefined, isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.publicId, name: apiKeys.name });
  if (!row) throw unknown;
  return row;
}
