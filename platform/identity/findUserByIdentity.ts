import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { identities, users } from '../db/schema.ts';
import type { ChatIdentity, User } from './ensureUser.ts';

/** The user behind a chat identity, without creating one. */
export async function findUserByIdentity(deps: { db: Db }, identity: Pick<ChatIdentity, 'platform' | 'externalId'>): Promise<User | undefined> {
  const [row] = await deps.db
    .select({ user: users })
    .from(identities)
    .innerJoin(users, eq(users.id, identities.userId))
    .where(and(eq(identities.platform, identity.platform), eq(identities.externalId, identity.externalId)));
  return row?.user;
}
