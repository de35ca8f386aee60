import path from 'node:path';
import type { Config } from '../config/loadConfig.ts';
import { ANVIL_DEV_KEY } from '../platform/chain/clients.ts';
import { ConfigError } from '../platform/errors.ts';
import { startAnvil } from '../platform/infra/anvil.ts';
import { startEmbeddedPostgres } from '../platform/infra/postgres.ts';
import { startRedis } from '../platform/infra/redis.ts';
import type { StackChild } from '../platform/infra/stackLock.ts';
import type { Watchdog } from '../platform/infra/watchdog.ts';
import type { Logger } from '../platform/log.ts';
import type { RuntimeEndpoints } from './runtime.ts';

export type DevServices = { endpoints: RuntimeEndpoints; describe: string[]; stop(): Promise<void> };

export type StartDevServicesOptions = {
  /** Guards every service started, so that they stop when this process dies, even on SIGKILL. */
  watchdog?: Watchdog | undefined;
  /** Told about each service process as soon as it runs (for the stack lock). */
  onChild?: ((child: StackChild) => void) | undefined;
};

/**
 * Starts what is not configured: embedded PostgreSQL (data in `<home>/pg`), Redis (REDIS_URL,
 * else redis-server on PATH with data in `<home>/redis`, else redis-memory-server), and anvil
 * (state in `<home>/chain.json`). All three start in parallel; if one fails, the others stop.
 */
export async function startDevServices(config: Config, log: Logger, options: StartDevServicesOptions = {}): Promise<DevServices> {
  const { watchdog, onChild } = options;
  const stops: Array<() => Promise<void>> = [];
  const describe: string[] = [];
  const settle = async <T>(p: Promise<T>, onOk: (v: T) => void): Promise<T> => {
    const v = await p;
    onOk(v);
    return v;
  };
  const results = await Promise.allSettled([
    config.DATABASE_URL
      ? Promise.resolve(config.DATABASE_URL)
      : settle(startEmbeddedPostgres({ dataDir: path.join(config.home, 'pg'), port: config.EMBEDDED_PG_PORT, watchdog, log }), (pg) => {
          onChild?.({ name: 'postgres', pid: pg.pid, signal: 'SIGINT' });
          stops.push(() => pg.stop());
          describe.push(`PostgreSQL  embedded, port ${config.EMBEDDED_PG_PORT}, data in ${path.join(config.home, 'pg')}`);
        }).then((pg) => pg.ensureDatabase('caravan')),
    settle(startRedis({ url: config.REDIS_URL, port: config.EMBEDDED_REDIS_PORT, dataDir: path.join(config.home, 'redis'), watchdog }), (r) => {
      if (r.source === 'redis-server' && r.pid) onChild?.({ name: 'redis-server', pid: r.pid, signal: 'SIGTERM' });
      stops.push(() => r.stop());
      describe.push(`Redis       ${r.source === 'url' ? r.url : `${r.source} at ${r.url}`}`);
    }),
    config.RPC_URL
      ? Promise.resolve({ rpcUrl: config.RPC_URL })
      : settle(startAnvil({ port: config.ANVIL_PORT, stateFile: path.join(config.home, 'chain.json'), watchdog }), (a) => {
          onChild?.({ name: 'anvil', pid: a.pid, signal: 'SIGINT' });
          stops.push(() => a.stop());
          describe.push(`anvil       ${a.rpcUrl}, state in ${path.join(config.home, 'chain.json')}`);
        }),
  ]);
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err: unknown) => log.warn({ err }, 'error while stopping a service'));
  };
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const [pg, redis, chain] = results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
    string,
    { url: string },
    { rpcUrl: string },
  ];
  const operatorKey = (config.OPERATOR_PRIVATE_KEY ?? (config.RPC_URL ? undefined : ANVIL_DEV_KEY)) as `0x${string}` | undefined;
  if (!operatorKey) throw new ConfigError('OPERATOR_PRIVATE_KEY: required when RPC_URL is set.');
  return {
    endpoints: {
      databaseUrl: pg,
      redisUrl: redis.url,
      rpcUrl: chain.rpcUrl,
      operatorKey: (operatorKey.startsWith('0x') ? operatorKey : `0x${operatorKey}`) as `0x${string}`,
    },
    describe,
    stop,
  };
}
