import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../platform/infra/postgres.ts';
import { startRedis } from '../../platform/infra/redis.ts';
import { startAnvil } from '../../platform/infra/anvil.ts';
import { freePort } from '../../platform/infra/freePort.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    services: { pgAdminUrl: string; redisUrl: string; rpcUrl: string };
  }
}

/**
 * Starts one real PostgreSQL, Redis and anvil for the whole run (each test file then makes
 * its own database, queue prefix and funded operator key) and stops them by pid at the end.
 */
export default async function setup(project: TestProject) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'caravan-test-'));
  fs.chmodSync(root, 0o755);
  const [pgPort, redisPort] = [await freePort(), await freePort()];
  const [pg, redis, anvil] = await Promise.all([
    startEmbeddedPostgres({ dataDir: path.join(root, 'pg'), port: pgPort }),
    startRedis({ port: redisPort, dataDir: path.join(root, 'redis') }),
    startAnvil(),
  ]);
  project.provide('services', { pgAdminUrl: pg.adminUrl, redisUrl: redis.url, rpcUrl: anvil.rpcUrl });
  return async () => {
    await Promise.allSettled([pg.stop(), redis.stop(), anvil.stop()]);
    fs.rmSync(root, { recursive: true, force: true });
  };
}
