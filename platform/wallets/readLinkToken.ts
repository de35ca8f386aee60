import crypto from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { linkTokens } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';

/** What a link is for: linking a wallet, moving receipts to it, transactions the wallet sends, or the dashboard. */
export type LinkPurpose = 'link' | 'rebind' | 'tx' | 'dashboard' | 'alias';

export type LinkTokenRow = typeof linkTokens.$inferSelect;

/** One message for unknown, expired and used links alike, so a guess learns nothing. */
export const LINK_GONE = 'This link is unknown, expired or already used. Ask the bot for a new one.';

/** Tokens are 32 random bytes in base64url (43 characters). */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The SHA-256 (hex) stored in place of a link token. */
export function hashLinkToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/**
 * The stored link behind `token` for `purpose`.
 *
 * @throws NotFoundError with the same message whether the token is malformed, unknown, meant for
 * another purpose, expired or already used.
 */
export async function readLinkToken(deps: { db: DbOrTx }, token: string, purpose: LinkPurpose): Promise<LinkTokenRow> {
  if (!TOKEN.test(token)) throw new NotFoundError(LINK_GONE);
  const [row] = await deps.db
    .select()
    .from(linkTokens)
    .where(and(eq(linkTokens.tokenHash, hashLinkToken(token)), eq(linkTokens.purpose, purpose)));
  if (!row || row.usedAt || row.expiresAt.getTime() <= Date.now()) throw new NotFoundError(LINK_GONE);
  return row;
}
