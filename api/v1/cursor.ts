import { InputError } from '../../platform/errors.ts';

/** An opaque cursor for a position in a list (the last internal id seen). */
export function encodeCursor(position: number | null): string | null {
  return position === null ? null : Buffer.from(JSON.stringify({ p: position })).toString('base64url');
}

/** The position a cursor stands for; a cursor we did not make is a 400. */
export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  try {
    const p = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { p?: unknown }).p;
    if (typeof p === 'number' && Number.isSafeInteger(p) && p > 0) return p;
  } catch {
    // falls through
  }
  throw new InputError('query.cursor: not a cursor this API returned (pass `nextCursor` as it is).');
}
