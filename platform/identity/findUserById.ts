import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { users } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';

/** The user row (their custodial and linked addresses). */
export async function findUserById(deps: { db: Db }, userId: number) {
  const [user] = await deps.db.select().from(users).where(eq(users.id, userId));
  if (!user) throw new NotFoundError('No such user.');
  return user;
}
