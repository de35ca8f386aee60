import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { ServiceError } from '../errors.ts';
import * as schema from './schema.ts';

export type Db = NodePgDatabase<typeof schema>;
/** A database handle or an open transaction on it. */
export type DbOrTx = Db | Parameters<Parameters<Db['transaction']>[0]>[0];

export type Database = { db: Db; pool: pg.Pool; close(): Promise<void> };

/** Opens a connection pool and the typed drizzle handle over it. */
export function createDatabase(url: string, options: { max?: number } = {}): Database {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10 });
  // An idle client losing its server (restart, shutdown) must not crash the process.
  pool.on('error', () => {});
  const db = drizzle(pool, { schema });
  return { db, pool, close: () => pool.end() };
}

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Applies the committed SQL migrations that have not run yet. Safe to call at every start. */
export async function migrateDatabase(db: Db): Promise<void> {
  try {
    await migrate(db, { migrationsFolder });
  } catch (cause) {
    throw new ServiceError('Database migration failed.', { cause, details: (cause as Error).message });
  }
}

/** True when `err` is PostgreSQL's unique-violation error (23505). */
export function isUniqueViolation(err: unknown): boolean {
  let e: unknown = err;
  while (e) {
    if ((e as { code?: string }).code === '23505') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
