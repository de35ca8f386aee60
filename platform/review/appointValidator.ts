import type { Db } from '../db/client.ts';
import { validators } from '../db/schema.ts';
import type { AesKey } from '../crypto/aead.ts';
import { ensureUser, type ChatIdentity, type User } from '../identity/ensureUser.ts';

/**
 * Appoints the person behind a chat identity as a validator (creating their account if they
 * have not talked to the bot yet). Appointing twice changes nothing.
 */
export async function appointValidator(
  deps: { db: Db; masterKey: AesKey },
  params: { identity: Pick<ChatIdentity, 'platform' | 'externalId'>; addedBy: string },
): Promise<{ user: User; added: boolean }> {
  const user = await ensureUser(deps, params.identity);
  const inserted = await deps.db
    .insert(validators)
    .values({ userId: user.id, addedBy: params.addedBy })
    .onConflictDoNothing()
    .returning({ userId: validators.userId });
  return { user, added: inserted.length > 0 };
}
