import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { identities, validators } from '../db/schema.ts';
import type { ChatPlatform } from '../identity/ensureUser.ts';

export type ValidatorEntry = { userId: number; platform: ChatPlatform; externalId: string; addedBy: string; since: Date };

/** Every appointed validator with the chat identity they are reached at, oldest appointment first. */
export async function listValidators(deps: { db: Db }): Promise<ValidatorEntry[]> {
  return deps.db
    .select({
      userId: validators.userId,
      platform: identities.platform,
      externalId: identities.externalId,
      addedBy: validators.addedBy,
      since: validators.createdAt,
    })
    .from(validators)
    .innerJoin(identities, eq(identities.userId, validators.userId))
    .orderBy(asc(validators.createdAt), asc(validators.userId));
}
