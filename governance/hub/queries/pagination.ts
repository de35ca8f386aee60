import { asc, desc, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { HubQueryError } from './errors.ts';
import type { Where } from './filters.ts';

/** The arguments every list query takes, as on snapshot-hub. */
export type ListParameters<W extends Where = Where> = {
  /** How many rows (default 20, at most 1000). */
  first?: number | null | undefined;
  /** How many rows to pass over first (default 0, at most 5000: page further with a `created_lt` filter). */
  skip?: number | null | undefined;
  where?: W | null | undefined;
  /** A field the query can sort by; any other falls back to the query's default, as on snapshot-hub. */
  orderBy?: string | null | undefined;
  orderDirection?: 'asc' | 'desc' | null | undefined;
};

/** snapshot-hub's limits on `first` and `skip`. */
export const MAX_FIRST = 1000;
export const MAX_SKIP = 5000;
export const DEFAULT_FIRST = 20;

/** `limit` and `offset` of a list query, checked with snapshot-hub's limits and words. */
export function pageOf(params: Pick<ListParameters, 'first' | 'skip'>): { limit: number; offset: number } {
  const limit = params.first ?? DEFAULT_FIRST;
  const offset = params.skip ?? 0;
  if (limit > MAX_FIRST) throw new HubQueryError(`The \`first\` argument must not be greater than ${MAX_FIRST}`);
  if (offset > MAX_SKIP) throw new HubQueryError(`The \`skip\` argument must not be greater than ${MAX_SKIP}`);
  if (limit < 0) throw new HubQueryError('The `first` argument must not be negative');
  if (offset < 0) throw new HubQueryError('The `skip` argument must not be negative');
  return { limit, offset };
}

/**
 * The ORDER BY of a list query: the asked field when the query sorts by it (else `fallback`),
 * descending unless `asc` is asked, then `tieBreak` in the same direction so pages never overlap.
 */
export function orderOf(
  params: Pick<ListParameters, 'orderBy' | 'orderDirection'>,
  sortable: Record<string, AnyPgColumn>,
  fallback: string,
  tieBreak: AnyPgColumn,
): SQL[] {
  const column = (params.orderBy && Object.hasOwn(sortable, params.orderBy) ? sortable[params.orderBy] : sortable[fallback])!;
  const dir = params.orderDirection === 'asc' ? asc : desc;
  return column === tieBreak ? [dir(column)] : [dir(column), dir(tieBreak)];
}
