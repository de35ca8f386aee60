import { and, eq, gt, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { linkTokens } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { LINK_GONE } from './readLinkToken.ts';

/**
 * Marks a link used, once: of two requests racing with the same link, only one gets through.
 *
 * @throws NotFoundError when it was used (or expired) in the meantime.
 */
export async function consumeLinkToken(deps: { db: DbOrTx }, linkTokenId: number): Promise<void> {
  const now = new Date();
  const done = await deps.db
    .update(linkTokens)
    .set({ usedAt: now })
    .where(and(eq(linkTokens.id, linkTokenId), isNull(linkTokens.usedAt), gt(linkTokens.expiresAt, now)))
    .returning({ id: linkTokens.id });
  if (!done.length) throw new NotFoundError(LINK_GONE);
}
