import crypto from 'node:crypto';

/** Tokens look like `cvn_p_…` (personal) or `cvn_l_…` (license): 32 random bytes, base64url. */
const TOKEN = /^cvn_[pl]_[A-Za-z0-9_-]{43}$/;

/** A new token, the characters shown to tell it apart, and the hash that is all we store. */
export function newApiToken(kind: 'personal' | 'license'): { token: string; prefix: string; hash: string } {
  const token = `cvn_${kind === 'personal' ? 'p' : 'l'}_${crypto.randomBytes(32).toString('base64url')}`;
  return { token, prefix: token.slice(0, 12), hash: hashApiToken(token) };
}

/**
 * SHA-256 of the token. A fast hash is right here: tokens carry 256 random bits, so there is
 * nothing to guess, and every request needs one lookup by hash.
 */
export function hashApiToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/** Whether `text` has the shape of one of our tokens (anything else is refused without a lookup). */
export function isApiTokenShape(text: string): boolean {
  return TOKEN.test(text);
}
