import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../platform/infra/freePort.ts';
import { eventually } from './helpers/testRuntime.ts';

type Health = { ok: boolean; checks: Record<string, { ok: boolean; detail: string }> };

/**
 * `caravan start` as a newcomer runs it: embedded PostgreSQL, Redis, anvil, contracts, API,
 * workers, web chat; Ctrl-C stops every child; a second start keeps the datasets and the chain.
 */
describe('the dev stack (npm start)', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'caravan-devstack-'));
  fs.chmodSync(home, 0o755);
  let child: ChildProcess | undefined;
  let output = '';

  afterAll(() => {
    // If an assertion failed mid-way, make sure nothing outlives the test.
    if (child?.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }
    fs.rmSync(home, { recursive: true, force: true });
  });

  async function ports() {
    return { PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()), EMBEDDED_REDIS_PORT: String(await freePort()), ANVIL_PORT: String(await freePort()) };
  }

  function start(env: Record<string, string>) {
    output = '';
    child = spawn(process.execPath, ['--import', 'tsx', 'bin/caravan.ts', 'start'], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env: { ...process.env, CARAVAN_HOME: home, LOG_LEVEL: 'info', ...env },
      // Its own process group, like a terminal job: Ctrl-C reaches the group.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    return child;
  }

  async function health(port: string): Promise<Health | undefined> {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      return (await res.json()) as Health;
    } catch {
      return undefined;
    }
  }

  async function ctrlC(proc: ChildProcess): Promise<number | null> {
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    process.kill(-proc.pid!, 'SIGINT');
    return exited;
  }

  const portOpen = (port: string) =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect({ port: Number(port), host: '127.0.0.1' });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });

  it('starts everything, stops cleanly on Ctrl-C, and keeps data across a restart', async () => {
    const env = await ports();
    const first = start(env);
    const up = await eventually(async () => {
      const h = await health(env.PORT);
      return h?.ok ? h : undefined;
    }, 120_000, `health of the dev stack; output:\n${output}`);
    expect(up.checks.postgres!.detail).toMatch(/^embedded/);
    expect(up.checks.chain!.detail).toMatch(/^chain 31337/);
    expect(output).toContain(`http://127.0.0.1:${env.PORT}/chat`);
    const contracts = up.checks.contracts!.detail.replace(/ \(\d+ ms\)$/, '');

    // Contribute a dataset through the web chat.
    const chatId = crypto.randomUUID();
    const form = new FormData();
    form.append('file', new Blob(['word,meaning\ncaravan,a group travelling together\n']), 'glossary.csv');
    expect((await fetch(`http://127.0.0.1:${env.PORT}/chat/api/upload?chatId=${chatId}`, { method: 'POST', body: form })).status).toBe(202);
    const receiptText = await eventually(async () => {
      const res = await fetch(`http://127.0.0.1:${env.PORT}/chat/api/messages?chatId=${chatId}`);
      const { messages } = (await res.json()) as { messages: Array<{ text: string }> };
      return messages.find((m) => m.text.startsWith('✅ Dataset'))?.text;
    }, 30_000, 'receipt');
    const block = Number(/block (\d+)/.exec((await health(env.PORT))!.checks.chain!.detail)![1]);

    expect(await ctrlC(first)).toBe(0);
    expect(output).toContain('stopped cleanly');
    for (const p of [env.PORT, env.ANVIL_PORT, env.EMBEDDED_PG_PORT, env.EMBEDDED_REDIS_PORT]) expect(await portOpen(p)).toBe(false);
    expect(fs.existsSync(path.join(home, 'chain.json'))).toBe(true);

    // Second start: same data, same chain, no redeploy.
    const second = start(env);
    const again = await eventually(async () => {
      const h = await health(env.PORT);
      return h?.ok ? h : undefined;
    }, 120_000, `health after restart; output:\n${output}`);
    expect(again.checks.contracts!.detail.replace(/ \(\d+ ms\)$/, '')).toBe(contracts);
    expect(Number(/block (\d+)/.exec(again.checks.chain!.detail)![1])).toBeGreaterThanOrEqual(block);
    expect(output).not.toContain('contracts deployed');
    const id = Number(/Dataset #(\d+)/.exec(receiptText)![1]);
    const ds = await fetch(`http://127.0.0.1:${env.PORT}/v1/datasets/${id}`);
    expect(await ds.json()).toMatchObject({ id, name: 'glossary.csv', status: 'approved' });
    expect(await ctrlC(second)).toBe(0);
  });

  it('refuses a wrong setting at start, naming the variable', async () => {
    const proc = start({ PORT: 'eighty' });
    const code = await new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(output).toContain('Invalid configuration.');
    expect(output).toMatch(/PORT: /);
  });
});
