import crypto from 'node:crypto';

/** Crockford's base32 in lower case: no i, l, o, u, so ids read aloud and typed without confusion. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A random id people see, like `ds_4k9x2m7qa1`: 50 bits, so ids of private things cannot be
 * guessed or counted (sequential database ids stay internal).
 */
/** The kinds of public ids: datasets, assistants, API keys, webhooks. */
export type PublicIdPrefix = 'ds' | 'as' | 'key' | 'wh';

export function newPublicId(prefix: PublicIdPrefix): string {
  const bytes = crypto.randomBytes(10);
  let id = '';
  for (const b of bytes) id += ALPHABET[b & 31];
  return `${prefix}_${id}`;
}

/** Normalises what a person typed (`#ds_4K9X…`, `4k9x…`) to the stored form, or null when it cannot be one. */
export function parsePublicId(prefix: PublicIdPrefix, text: string): string | null {
  const t = text.trim().replace(/^#/, '').toLowerCase();
  const body = t.startsWith(`${prefix}_`) ? t.slice(prefix.length + 1) : t;
  return /^[0-9a-hjkmnp-tv-z]{10}$/.test(body) ? `${prefix}_${body}` : null;
}
