import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { validators } from '../db/schema.ts';
import type { ChatIdentity } from '../identity/ensureUser.ts';
import { findUserByIdentity } from '../identity/findUserByIdentity.ts';

/**
 * Ends a validator's appointment. Their votes already cast stand; their open review cards stop
 * working (every vote checks the appointment). Returns false when they were not a validator.
 */
export async function dismissValidator(deps: { db: Db }, params: { identity: Pick<ChatIdentity, 'platform' | 'externalId'> }): Promise<boolean> {
  const user = await findUserByIdentity(deps, params.identity);
  if (!user) return false;
  const removed = await deps.db.delete(validators).where(eq(validators.userId, user.id)).returning({ userId: validators.userId });
  return removed.length > 0;
}
