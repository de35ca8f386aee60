import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { inject } from 'vitest';
import { createPublicClient, http, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { loadConfig, type Config } from '../../config/loadConfig.ts';
import { createLogger } from '../../platform/log.ts';
import { startRuntime, type Runtime, type RuntimeOptions } from '../../bin/runtime.ts';
import { createDatabase, migrateDatabase, type Database } from '../../platform/db/client.ts';
import { ANVIL_DEV_KEY, connectChain, type ChainDeps } from '../../platform/chain/clients.ts';
import { startAnvil } from '../../platform/infra/anvil.ts';
import { startWatchdog } from '../../platform/infra/watchdog.ts';
import { deployCaravan } from '../../contracts/script/deploy.ts';

export type TestRuntime = Runtime & {
  home: string;
  databaseUrl: string;
  /** Stops everything and removes the database and home. */
  close(): Promise<void>;
  /** Stops this runtime and starts a new one on the same database, home, queues and chain (a restart). */
  restart(): Promise<TestRuntime>;
};

/** Creates a fresh database on the shared test PostgreSQL; returns its URL and a drop function. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const { pgAdminUrl } = inject('services');
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = async (q: string) => {
    const c = new pg.Client({ connectionString: pgAdminUrl });
    await c.connect();
    try {
      await c.query(q);
    } finally {
      await c.end();
    }
  };
  await admin(`create database ${name}`);
  return {
    url: pgAdminUrl.replace(/\/postgres$/, `/${name}`),
    drop: () => admin(`drop database if exists ${name} with (force)`),
  };
}

/** A fresh operator key with 100 ETH on the shared anvil, so parallel test files never share nonces. */
export async function fundedOperatorKey(): Promise<`0x${string}`> {
  const { rpcUrl } = inject('services');
  const key = generatePrivateKey();
  const client = createPublicClient({ transport: http(rpcUrl) });
  await client.request({
    method: 'anvil_setBalance' as never,
    params: [privateKeyToAccount(key).address, `0x${parseEther('100').toString(16)}`] as never,
  });
  return key;
}

/**
 * Starts the whole runtime (API, workers, bots per env) against the shared test services, with
 * its own database, home directory, queue prefix and operator key. `close()` removes all of it.
 */
export async function startTestRuntime(
  env: Record<string, string> = {},
  { privateChain, ...options }: RuntimeOptions & {
    /** Run on an anvil of its own, for tests that move the chain's clock or revert it (reorgs). */
    privateChain?: boolean;
  } = {},
): Promise<TestRuntime & { config: Config }> {
  const { redisUrl } = inject('services');
  const own = privateChain ? await startPrivateAnvil() : undefined;
  const rpcUrl = own?.anvil.rpcUrl ?? inject('services').rpcUrl;
  const database = await createTestDatabase();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'caravan-home-'));
  const config = loadConfig({
    CARAVAN_HOME: home,
    PORT: '0',
    QUEUE_PREFIX: `t${crypto.randomBytes(4).toString('hex')}`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const log = createLogger({ level: config.LOG_LEVEL, pretty: false });
  const endpoints = { databaseUrl: database.url, redisUrl, rpcUrl, operatorKey: own ? ANVIL_DEV_KEY : await fundedOperatorKey() };
  const launch = async (): Promise<TestRuntime & { config: Config }> => {
    const runtime = await startRuntime(config, endpoints, log, { allowDeploy: true, ...options });
    return {
      ...runtime,
      home,
      databaseUrl: database.url,
      async close() {
        await runtime.stop();
        await database.drop();
        fs.rmSync(home, { recursive: true, force: true });
        await own?.anvil.stop();
        await own?.watchdog.close();
      },
      async restart() {
        await runtime.stop();
        return launch();
      },
    };
  };
  return launch();
}

async function startPrivateAnvil() {
  const watchdog = startWatchdog();
  return { watchdog, anvil: await startAnvil({ watchdog }) };
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A migrated database of its own and a chain connection with freshly deployed contracts, for
 * integration tests of platform functions below the runtime. `close()` drops the database.
 */
/** A fresh, migrated database on the shared test PostgreSQL; `close()` drops it. */
export async function createMigratedTestDatabase(): Promise<{ database: Database; close(): Promise<void> }> {
  const created = await createTestDatabase();
  const database = createDatabase(created.url);
  await migrateDatabase(database.db);
  return {
    database,
    async close() {
      await database.close();
      await created.drop();
    },
  };
}

export async function createTestPlatform(): Promise<{ database: Database; chain: ChainDeps; close(): Promise<void> }> {
  const { database, close } = await createMigratedTestDatabase();
  const connected = await connectChain({ rpcUrl: inject('services').rpcUrl, operatorKey: await fundedOperatorKey() });
  const { addresses } = await deployCaravan({ walletClient: connected.walletClient, publicClient: connected.publicClient });
  return { database, chain: { ...connected, addresses, confirmations: 0 }, close };
}

/**
 * What a runtime has stored: rows of datasets, assets, receipts and transactions, encrypted
 * blobs and staged uploads. Bad-input tests compare it before and after: nothing half-written.
 */
export async function storedCounts(rt: TestRuntime) {
  const r = await rt.database.db.execute<{ d: number; a: number; r: number; t: number }>(
    sql`select (select count(*)::int from datasets) d, (select count(*)::int from assets) a,
               (select count(*)::int from receipts) r, (select count(*)::int from chain_txs) t`,
  );
  const count = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).length : 0);
  return { ...r.rows[0]!, blobs: count(path.join(rt.home, 'blobs', 'datasets')), staged: count(path.join(rt.home, 'incoming')) };
}
