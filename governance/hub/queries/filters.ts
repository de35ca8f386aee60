import { and, eq, gt, gte, inArray, lt, lte, ne, notInArray, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { getAddress, isAddress } from 'viem';
import { HubQueryError } from './errors.ts';

/**
 * How a field filters: `string` and `address` take equality and lists; `int` and `float` also
 * take `_gt`, `_gte`, `_lt`, `_lte`. An `address` is compared checksummed, as the hub stores it, so
 * a lowercase address finds its rows as it does on snapshot-hub (whose MySQL compares without case).
 */
export type FilterKind = 'string' | 'address' | 'int' | 'float';

/** The filterable fields of one query: snapshot-hub's field name → the column and its kind. */
export type FilterFields = Record<string, { column: AnyPgColumn; kind: FilterKind }>;

/** A `where` argument as GraphQL hands it over (`voter`, `voter_in`, `created_gte`, …). */
export type Where = Record<string, unknown>;

/** The most values one `_in` / `_not_in` list may hold (snapshot-hub's largest list limit). */
export const MAX_IN_LIST = 10_000;

const sdlType: Record<FilterKind, string> = { string: 'String', address: 'String', int: 'Int', float: 'Float' };
const isNumeric = (kind: FilterKind) => kind === 'int' || kind === 'float';

const normalize = (kind: FilterKind, value: unknown): unknown =>
  kind === 'address' && typeof value === 'string' && isAddress(value, { strict: false }) ? getAddress(value) : value;

const list = (key: string, kind: FilterKind, value: unknown): unknown[] | undefined => {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  if (value.length > MAX_IN_LIST) throw new HubQueryError(`The \`${key}\` argument must not be greater than ${MAX_IN_LIST}`);
  return value.filter((v) => v !== null && v !== undefined).map((v) => normalize(kind, v));
};

/**
 * The SQL conditions of a `where` argument, with snapshot-hub's operators: `field` (equals),
 * `field_not`, `field_in`, `field_not_in`, and for numbers `field_gt`, `field_gte`, `field_lt`,
 * `field_lte`. A null value, or an empty list, filters nothing, as on snapshot-hub.
 */
export function whereConditions(fields: FilterFields, where: Where | null | undefined): SQL[] {
  if (!where) return [];
  const out: SQL[] = [];
  const present = (key: string) => where[key] !== undefined && where[key] !== null;
  for (const [name, { column, kind }] of Object.entries(fields)) {
    if (present(name)) out.push(eq(column, normalize(kind, where[name])));
    if (present(`${name}_not`)) out.push(ne(column, normalize(kind, where[`${name}_not`])));
    const inList = list(`${name}_in`, kind, where[`${name}_in`]);
    if (inList) out.push(inList.length ? inArray(column, inList) : sql`false`);
    const notInList = list(`${name}_not_in`, kind, where[`${name}_not_in`]);
    if (notInList?.length) out.push(notInArray(column, notInList));
    if (!isNumeric(kind)) continue;
    if (present(`${name}_gt`)) out.push(gt(column, where[`${name}_gt`]));
    if (present(`${name}_gte`)) out.push(gte(column, where[`${name}_gte`]));
    if (present(`${name}_lt`)) out.push(lt(column, where[`${name}_lt`]));
    if (present(`${name}_lte`)) out.push(lte(column, where[`${name}_lte`]));
  }
  return out;
}

/** All conditions joined with AND (undefined when there are none). */
export const allOf = (conditions: (SQL | undefined)[]): SQL | undefined => and(...conditions);

/**
 * The GraphQL input type of a `where` argument, generated from the same table that builds the
 * SQL, so every operator the schema offers is one the query applies.
 */
export function whereInputSdl(typeName: string, fields: FilterFields, extra: Record<string, string> = {}): string {
  const lines: string[] = [];
  for (const [name, { kind }] of Object.entries(fields)) {
    const t = sdlType[kind];
    lines.push(`${name}: ${t}`, `${name}_not: ${t}`, `${name}_in: [${t}]`, `${name}_not_in: [${t}]`);
    if (isNumeric(kind)) lines.push(`${name}_gt: ${t}`, `${name}_gte: ${t}`, `${name}_lt: ${t}`, `${name}_lte: ${t}`);
  }
  for (const [name, t] of Object.entries(extra)) lines.push(`${name}: ${t}`);
  return `input ${typeName} {\n${lines.map((l) => `  ${l}`).join('\n')}\n}`;
}
