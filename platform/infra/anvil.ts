import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ServiceError } from '../errors.ts';
import { spawnManaged } from './process.ts';
import { freePort } from './freePort.ts';
import type { Watchdog } from './watchdog.ts';

export type AnvilHandle = { rpcUrl: string; pid: number; stop(): Promise<void> };

export type StartAnvilParameters = {
  /** Default: a free port. */
  port?: number | undefined;
  /** File the chain state is loaded from and dumped to (restart keeps the chain). Omit for a throwaway chain. */
  stateFile?: string | undefined;
  chainId?: number;
  /** More anvil flags (gas limit, code size…). */
  args?: readonly string[];
  /** Guards anvil so that it stops (dumping its state) when this process dies, even on SIGKILL. */
  watchdog?: Watchdog | undefined;
};

/** Absolute path of the anvil binary shipped by `@foundry-rs/anvil`. */
export function anvilBinary(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@foundry-rs/anvil-linux-amd64/package.json');
  return path.join(path.dirname(pkg), 'bin', 'anvil');
}

async function rpcAnswers(url: string): Promise<boolean> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    signal: AbortSignal.timeout(1000),
  });
  return res.ok;
}

/**
 * Starts a real anvil node. With `stateFile`, the chain is loaded from it at start, dumped to it
 * every few seconds and on exit, so a restart continues the same chain.
 */
export async function startAnvil(params: StartAnvilParameters = {}): Promise<AnvilHandle> {
  const port = params.port ?? (await freePort());
  const rpcUrl = `http://127.0.0.1:${port}`;
  if (await rpcAnswers(rpcUrl).catch(() => false))
    throw new ServiceError(`Port ${port} already answers JSON-RPC.`, {
      metaMessages: ['Another chain node (or Caravan stack) is running. Stop it, or set ANVIL_PORT or RPC_URL.'],
    });
  const args = ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(params.chainId ?? 31337), ...(params.args ?? [])];
  if (params.stateFile) {
    fs.mkdirSync(path.dirname(params.stateFile), { recursive: true });
    // An empty file (a crash while writing) would make anvil refuse to start.
    if (fs.existsSync(params.stateFile) && fs.statSync(params.stateFile).size === 0) fs.rmSync(params.stateFile);
    args.push('--state', params.stateFile, '--state-interval', '5', '--preserve-historical-states');
  }
  const proc = await spawnManaged({
    name: 'anvil',
    command: anvilBinary(),
    args,
    ready: () => rpcAnswers(rpcUrl),
    timeoutMs: 30_000,
    // On SIGINT anvil dumps its state file before exiting.
    stopSignal: 'SIGINT',
    watchdog: params.watchdog,
  });
  return { rpcUrl, pid: proc.pid, stop: () => proc.stop() };
}
