import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../platform/infra/postgres.ts';
import { startRedis, type RedisHandle } from '../../platform/infra/redis.ts';
import { startAnvil, type AnvilHandle } from '../../platform/infra/anvil.ts';
import { freePort } from '../../platform/infra/freePort.ts';
import { startWatchdog } from '../../platform/infra/watchdog.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    services: { pgAdminUrl: string; redisUrl: string; rpcUrl: string };
  }
}

/**
 * Starts one real PostgreSQL, Redis and anvil for the whole run (each test file then makes
 * its own database, queue prefix and funded operator key) and stops them at the end. A
 * watchdog stops them too if the run itself is killed (Ctrl-C twice, SIGKILL, a crash).
 */
export default async function setup(project: TestProject) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'caravan-test-'));
  fs.chmodSync(root, 0o755);
  const [pgPort, redisPort] = [await freePort(), await freePort()];
  const watchdog = startWatchdog();
  const started = await Promise.allSettled([
    startEmbeddedPostgres({ dataDir: path.join(root, 'pg'), port: pgPort, watchdog }),
    startRedis({ port: redisPort, dataDir: path.join(root, 'redis'), watchdog }),
    startAnvil({ watchdog }),
  ]);
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // Closing the watchdog stops whichever of them did start.
    await watchdog.close();
    fs.rmSync(root, { recursive: true, force: true });
    throw failed.reason;
  }
  const [pg, redis, anvil] = started.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
    EmbeddedPostgresHandle,
    RedisHandle,
    AnvilHandle,
  ];
  project.provide('services', { pgAdminUrl: pg.adminUrl, redisUrl: redis.url, rpcUrl: anvil.rpcUrl });
  return async () => {
    await Promise.allSettled([pg.stop(), redis.stop(), anvil.stop()]);
    await watchdog.close();
    fs.rmSync(root, { recursive: true, force: true });
  };
}
