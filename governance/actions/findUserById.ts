import { eq } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.ts';
import { users } from '../../platform/db/schema.ts';
import { NotFoundError } from '../../platform/errors.ts';

/** The user row (their custodial and linked addresses). */
export async function findUserById(deps: { db: Db }, userId: number) {
  const [user] = await deps.db.select().from(users).where(eq(users.id, userId));
  if (!user) throw new NotFoundError('No such user.');
  return user;
}
