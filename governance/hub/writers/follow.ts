import { and, count, eq } from 'drizzle-orm';
import type { DbOrTx } from '../../../platform/db/client.ts';
import { hubFollows } from '../../../platform/db/schema.ts';
import { refuse } from '../errors.ts';
import type { Writer } from '../types.ts';

/** Snapshot's cap on the spaces one address follows. */
export const FOLLOWS_LIMIT_PER_USER = 25;

/** `from` follows a space (Snapshot's `follow`); following twice changes nothing. */
export const followWriter: Writer<null> = {
  async verify(deps, ctx) {
    const [row] = await deps.db.select({ n: count() }).from(hubFollows).where(eq(hubFollows.follower, ctx.from));
    if ((row?.n ?? 0) >= FOLLOWS_LIMIT_PER_USER) refuse(`you can join max ${FOLLOWS_LIMIT_PER_USER} spaces`);
    return null;
  },
  async write(tx: DbOrTx, _deps, ctx) {
    await tx
      .insert(hubFollows)
      .values({ id: ctx.id, ipfs: ctx.ipfs, follower: ctx.from, space: ctx.space!.id, network: String(ctx.message.network ?? 's') || 's', created: ctx.timestamp })
      .onConflictDoNothing();
  },
};

/** `from` stops following a space (Snapshot's `unfollow`). */
export const unfollowWriter: Writer<null> = {
  async verify() {
    return null;
  },
  async write(tx: DbOrTx, _deps, ctx) {
    await tx.delete(hubFollows).where(and(eq(hubFollows.follower, ctx.from), eq(hubFollows.space, ctx.space!.id)));
  },
};
