import fs from 'node:fs';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { ServiceError } from '../errors.ts';
import { spawnManaged, type ManagedProcess } from './process.ts';
import type { Watchdog } from './watchdog.ts';

export type RedisHandle = {
  url: string;
  /** How Redis was obtained: the configured URL, redis-server on PATH, or redis-memory-server. */
  source: 'url' | 'redis-server' | 'redis-memory-server';
  pid: number | undefined;
  stop(): Promise<void>;
};

export type StartRedisParameters = {
  /** Use this Redis when set. */
  url?: string | undefined;
  port: number;
  /** Directory for redis-server's append-only file. */
  dataDir: string;
  /** Guards a redis-server we start so that it stops when this process dies, even on SIGKILL. */
  watchdog?: Watchdog | undefined;
};

/** Sends PING over a raw socket; true when Redis answers PONG. */
export function pingRedis(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

function which(cmd: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds a Redis for the dev stack: `url` if given, else a `redis-server` on PATH (data kept in
 * `dataDir`), else `redis-memory-server` (which needs a C compiler and internet the first time).
 */
export async function startRedis(params: StartRedisParameters): Promise<RedisHandle> {
  if (params.url) return { url: params.url, source: 'url', pid: undefined, stop: async () => {} };

  const binary = which('redis-server');
  if (binary) {
    fs.mkdirSync(params.dataDir, { recursive: true });
    if (await pingRedis(params.port))
      throw new ServiceError(`Port ${params.port} already has a Redis on it.`, {
        metaMessages: ['Another Caravan stack may be running. Stop it, or set EMBEDDED_REDIS_PORT or REDIS_URL.'],
      });
    const proc: ManagedProcess = await spawnManaged({
      name: 'redis-server',
      command: binary,
      args: [
        '--port', String(params.port),
        '--bind', '127.0.0.1',
        '--dir', params.dataDir,
        '--appendonly', 'yes',
        '--save', '',
        '--maxmemory-policy', 'noeviction',
        '--daemonize', 'no',
      ],
      ready: () => pingRedis(params.port),
      timeoutMs: 20_000,
      // SIGTERM: redis-server flushes its append-only file and exits.
      stopSignal: 'SIGTERM',
      watchdog: params.watchdog,
    });
    return {
      url: `redis://127.0.0.1:${params.port}`,
      source: 'redis-server',
      pid: proc.pid,
      stop: () => proc.stop(),
    };
  }

  try {
    const { RedisMemoryServer } = await import('redis-memory-server');
    const server = new RedisMemoryServer({ instance: { port: params.port } });
    const host = await server.getHost();
    const port = await server.getPort();
    return {
      url: `redis://${host}:${port}`,
      source: 'redis-memory-server',
      pid: undefined,
      stop: async () => {
        await server.stop();
      },
    };
  } catch (cause) {
    throw new ServiceError('No Redis available.', {
      cause,
      metaMessages: [
        'Caravan needs Redis for its job queues. Any one of these works:',
        '  • install it: `sudo apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis` (macOS);',
        '  • point REDIS_URL at a running Redis, e.g. REDIS_URL=redis://127.0.0.1:6379;',
        '  • give redis-memory-server a C compiler and internet access so it can build one.',
      ],
    });
  }
}
