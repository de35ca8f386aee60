import crypto from 'node:crypto';
import type { DbOrTx } from '../db/client.ts';
import { linkTokens } from '../db/schema.ts';
import { InputError } from '../errors.ts';
import { hashLinkToken, type LinkPurpose } from './readLinkToken.ts';

export type CreateLinkTokenParameters = {
  userId: number;
  purpose: LinkPurpose;
  /** What the page needs (JSON), e.g. the calls of a transaction link. */
  payload?: Record<string, unknown> | undefined;
  /** How long the link works. */
  ttlMs: number;
};

export type CreateLinkTokenReturnType = {
  /** The secret: 32 random bytes, base64url. Only its SHA-256 is stored. */
  token: string;
  /** `${publicUrl}/wallet/${token}`. */
  url: string;
  expiresAt: Date;
};

/**
 * Creates a one-time link a person opens from the chat. The token is the only proof of who
 * opens it, so it is random, stored hashed, short-lived and used once.
 *
 * @example
 * const { url } = await createLinkToken(money, { userId: user.id, purpose: 'link', ttlMs: 15 * 60_000 });
 */
export async function createLinkToken(
  deps: { db: DbOrTx; settings: { publicUrl: string } },
  params: CreateLinkTokenParameters,
): Promise<CreateLinkTokenReturnType> {
  if (!(params.ttlMs > 0)) throw new InputError('A link must be valid for some time.');
  const token = crypto.randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + params.ttlMs);
  await deps.db.insert(linkTokens).values({
    tokenHash: hashLinkToken(token),
    userId: params.userId,
    purpose: params.purpose,
    payload: params.payload ?? {},
    expiresAt,
  });
  return { token, url: `${deps.settings.publicUrl}/wallet/${token}`, expiresAt };
}
