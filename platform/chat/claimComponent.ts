import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { chatComponents } from '../db/schema.ts';
import { ComponentExpiredError, ComponentNotYoursError, ComponentUsedError } from './errors.ts';

export type ClaimedComponent = { id: string; action: string; data: unknown; once: boolean };

/** Ids are 22 base64url characters; anything else never was one of ours. */
const ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * Resolves a pressed control for `userId`: refuses one that is unknown or past its time
 * ({@link ComponentExpiredError}), another person's ({@link ComponentNotYoursError}), or one
 * that acts once and was already used ({@link ComponentUsedError}). A once-only control is
 * marked used here, atomically, so a double click acts once.
 */
export async function claimComponent(deps: { db: Db }, params: { id: string; userId: number }): Promise<ClaimedComponent> {
  if (!ID.test(params.id)) throw new ComponentExpiredError();
  const [row] = await deps.db.select().from(chatComponents).where(eq(chatComponents.id, params.id));
  if (!row || row.expiresAt.getTime() <= Date.now()) throw new ComponentExpiredError();
  if (row.ownerUserId !== null && row.ownerUserId !== params.userId) throw new ComponentNotYoursError();
  if (row.once) {
    const [claimed] = await deps.db
      .update(chatComponents)
      .set({ usedAt: sql`now()` })
      .where(and(eq(chatComponents.id, row.id), isNull(chatComponents.usedAt)))
      .returning({ id: chatComponents.id });
    if (!claimed) throw new ComponentUsedError();
  }
  return { id: row.id, action: row.action, data: row.data, once: row.once === 1 };
}

/** Makes a once-only control usable again (its action failed in a way that trying again can fix). */
export async function releaseComponent(deps: { db: Db }, id: string): Promise<void> {
  await deps.db.update(chatComponents).set({ usedAt: null }).where(eq(chatComponents.id, id));
}
