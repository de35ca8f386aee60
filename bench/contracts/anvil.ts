/** Starts a throwaway anvil for the benchmark and stops it by pid. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A running anvil. */
export type Anvil = { url: string; stop(): void };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts anvil with `args` on a free port and waits until it answers. */
export async function startAnvil(args: readonly string[] = []): Promise<Anvil> {
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve('@foundry-rs/anvil-linux-amd64/package.json')), 'bin', 'anvil');
  const port = await freePort();
  const child: ChildProcess = spawn(bin, ['--host', '127.0.0.1', '--port', String(port), '--silent', ...args], {
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = () => {
    if (child.pid && child.exitCode === null) process.kill(child.pid);
  };
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      });
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (attempt > 200) {
      stop();
      throw new Error('anvil did not start');
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { url, stop };
}
