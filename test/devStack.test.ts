import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../platform/infra/freePort.ts';
import { startEmbeddedPostgres } from '../platform/infra/postgres.ts';
import { commandLine, isRunning } from '../platform/infra/process.ts';
import type { StackLockFile } from '../platform/infra/stackLock.ts';
import { eventually } from './helpers/testRuntime.ts';
import { writeTinyBase } from './helpers/tinyBase.ts';
import { webChat } from './helpers/webChat.ts';

type Health = { ok: boolean; checks: Record<string, { ok: boolean; detail: string }> };
type Exit = { code: number | null; signal: NodeJS.Signals | null };
type Ports = { PORT: string; EMBEDDED_PG_PORT: string; EMBEDDED_REDIS_PORT: string; ANVIL_PORT: string };

/** One `npm start`, as a newcomer runs it in a terminal: its own process group, like a terminal job. */
type Run = { proc: ChildProcess; exited: Promise<Exit>; output(): string };

const root = path.resolve(import.meta.dirname, '..');

/**
 * `npm start` as the README says: embedded PostgreSQL, Redis, anvil, contracts, API, workers,
 * web chat. Ctrl-C stops every child; a SIGKILL leaves nothing behind either; a second stack on
 * the same home is refused; stale state of a dead stack is cleaned; data survive restarts.
 */
describe('the dev stack (npm start)', () => {
  const homes: string[] = [];
  const runs: Run[] = [];
  /** Every service pid seen in a stack.json, for the clean-up if an assertion fails mid-way. */
  const services = new Map<number, string>();

  afterAll(async () => {
    for (const run of runs)
      if (run.proc.pid && run.proc.exitCode === null && run.proc.signalCode === null)
        try {
          process.kill(-run.proc.pid, 'SIGKILL');
        } catch {}
    const left = [...services].filter(([pid, name]) => commandLine(pid)?.includes(name)).map(([pid]) => pid);
    for (const pid of left)
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {}
    // Only remove the homes once nothing writes into them any more.
    await eventually(async () => left.every((pid) => !isRunning(pid)), 5000, 'the services to die').catch(() => {});
    for (const home of homes) fs.rmSync(home, { recursive: true, force: true, maxRetries: 3 });
  });

  function makeHome(): string {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'caravan-devstack-'));
    // PostgreSQL runs as the postgres user when the tests run as root: it must reach its data.
    fs.chmodSync(home, 0o755);
    homes.push(home);
    return home;
  }

  async function ports(): Promise<Ports> {
    return {
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      EMBEDDED_REDIS_PORT: String(await freePort()),
      ANVIL_PORT: String(await freePort()),
    };
  }

  function npmStart(home: string, env: Record<string, string>): Run {
    let output = '';
    const proc = spawn('npm', ['start'], {
      cwd: root,
      env: { ...process.env, CARAVAN_HOME: home, LOG_LEVEL: 'info', ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    // 'close', not 'exit': npm can exit before the last lines of its children have been read.
    const exited = new Promise<Exit>((resolve) => proc.once('close', (code, signal) => resolve({ code, signal })));
    const run = { proc, exited, output: () => output };
    runs.push(run);
    return run;
  }

  async function health(port: string): Promise<Health | undefined> {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      return (await res.json()) as Health;
    } catch {
      return undefined;
    }
  }

  async function healthy(run: Run, port: string): Promise<Health> {
    const what = 'the dev stack to be healthy';
    return eventually(async () => {
      if (run.proc.exitCode !== null || run.proc.signalCode !== null) throw new Error(`npm start exited while waiting for ${what}:\n${run.output()}`);
      const h = await health(port);
      return h?.ok ? h : undefined;
    }, 120_000, what).catch((err: Error) => {
      throw new Error(`${err.message}; output:\n${run.output()}`);
    });
  }

  function readStack(home: string): StackLockFile {
    const stack = JSON.parse(fs.readFileSync(path.join(home, 'stack.json'), 'utf8')) as StackLockFile;
    for (const c of stack.children) services.set(c.pid, c.name);
    return stack;
  }

  /** Ctrl-C in the terminal: SIGINT to the foreground process group (npm, its shell, tsx, node). */
  async function ctrlC(run: Run): Promise<Exit> {
    process.kill(-run.proc.pid!, 'SIGINT');
    return run.exited;
  }

  /**
   * Ctrl-C under `npm start` exits 0 after a clean stop. (The start script execs node: through a
   * plain `sh -c`, Debian's dash would re-raise the Ctrl-C once its child exited, and npm would
   * report the signal whatever the stack's own exit code.)
   */
  function expectCleanExit(exit: Exit, run: Run) {
    expect(exit, run.output()).toEqual({ code: 0, signal: null });
    expect(run.output()).toContain('stopped cleanly');
  }

  const portOpen = (port: string) =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect({ port: Number(port), host: '127.0.0.1' });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });

  async function everythingGone(stack: StackLockFile, env: Ports) {
    for (const p of [env.PORT, env.ANVIL_PORT, env.EMBEDDED_PG_PORT, env.EMBEDDED_REDIS_PORT]) expect(await portOpen(p), `port ${p}`).toBe(false);
    for (const { name, pid } of [{ name: 'caravan', pid: stack.pid }, ...stack.children]) expect(isRunning(pid), `${name} (pid ${pid})`).toBe(false);
  }

  it('refuses a second stack, leaves nothing behind after a SIGKILL, then carries on with the same data', async () => {
    const home = makeHome();
    const env = await ports();
    const first = npmStart(home, env);
    const up = await healthy(first, env.PORT);
    expect(up.checks.postgres!.detail).toMatch(/^embedded/);
    expect(up.checks.chain!.detail).toMatch(/^chain 31337/);
    expect(first.output()).toContain(`http://127.0.0.1:${env.PORT}/chat`);
    const contracts = up.checks.contracts!.detail.replace(/ \(\d+ ms\)$/, '');

    // Contribute a dataset through the web chat.
    const chatId = crypto.randomUUID();
    const form = new FormData();
    form.append('file', new Blob(['word,meaning\ncaravan,a group travelling together\n']), 'glossary.csv');
    const upload = await fetch(`http://127.0.0.1:${env.PORT}/chat/api/upload?chatId=${chatId}&access=open`, { method: 'POST', body: form });
    expect(upload.ok, `upload answered ${upload.status}`).toBe(true);
    const receiptText = await eventually(async () => {
      const res = await fetch(`http://127.0.0.1:${env.PORT}/chat/api/messages?chatId=${chatId}`);
      const { messages } = (await res.json()) as { messages: Array<{ text: string }> };
      return messages.find((m) => m.text.startsWith('✅ Dataset'))?.text;
    }, 30_000, 'the dataset receipt in the web chat');
    const datasetId = /✅ Dataset (\S+)/.exec(receiptText)![1]!;
    const block = Number(/block (\d+)/.exec((await health(env.PORT))!.checks.chain!.detail)![1]);

    // The lock names the node process running bin/caravan.ts and the three services.
    const stack = readStack(home);
    expect(commandLine(stack.pid)).toContain('bin/caravan.ts');
    expect(stack.children.map((c) => c.name).sort()).toEqual(['anvil', 'postgres', 'redis-server']);
    for (const c of stack.children) expect(isRunning(c.pid), c.name).toBe(true);

    // A second start on the same home is refused, and the first one keeps running.
    const second = npmStart(home, env);
    expect((await second.exited).code).toBe(1);
    expect(second.output()).toContain(`Another Caravan stack is running from ${home} (pid ${stack.pid})`);
    expect((await health(env.PORT))?.ok).toBe(true);
    expect(readStack(home).pid).toBe(stack.pid);

    // SIGKILL of the stack's node process: it cannot stop anything itself; its watchdog does.
    process.kill(stack.pid, 'SIGKILL');
    await first.exited;
    await eventually(async () => stack.children.every((c) => !isRunning(c.pid)), 15_000, 'the services to stop after the SIGKILL');
    await everythingGone(stack, env);

    // The next start cleans what is left of the dead stack and carries on with the same data.
    const third = npmStart(home, env);
    const again = await healthy(third, env.PORT);
    expect(third.output()).toContain('cleaned up leftovers of a Caravan stack that did not stop cleanly');
    expect(third.output()).not.toMatch(/postmaster\.pid/);
    expect(again.checks.contracts!.detail.replace(/ \(\d+ ms\)$/, '')).toBe(contracts);
    expect(Number(/block (\d+)/.exec(again.checks.chain!.detail)![1])).toBeGreaterThanOrEqual(block);
    expect(third.output()).not.toContain('contracts deployed');
    const ds = await fetch(`http://127.0.0.1:${env.PORT}/v1/datasets/${datasetId}`);
    expect(await ds.json()).toMatchObject({ id: datasetId, name: 'glossary.csv', status: 'approved' });

    // Ctrl-C stops everything cleanly and releases the home.
    const running = readStack(home);
    expectCleanExit(await ctrlC(third), third);
    await everythingGone(running, env);
    expect(fs.existsSync(path.join(home, 'stack.json'))).toBe(false);
    expect(fs.existsSync(path.join(home, 'chain.json'))).toBe(true);
  });

  it('stops cleanly on Ctrl-C during a fine-tune, and the next start resumes it at once from where it stopped', async () => {
    const home = makeHome();
    const env = await ports();
    const base = writeTinyBase();
    const engine = {
      ENGINE_BASE_CHECKPOINT: base.file,
      ENGINE_FINETUNE_MIN_STEPS: '300',
      ENGINE_FINETUNE_MAX_STEPS: '300',
      // Rare periodic checkpoints: resuming exactly where it stopped proves the one saved on the way out.
      ENGINE_CHECKPOINT_EVERY: '100',
      ENGINE_TRAIN_WORKERS: '1',
      ENGINE_SERVE_WORKERS: '1',
    };
    try {
      const first = npmStart(home, { ...env, ...engine });
      await healthy(first, env.PORT);
      const chat = webChat(`http://127.0.0.1:${env.PORT}`);
      await chat.upload('camels.txt', 'Camels store fat in their humps.\nA caravan is a group of travellers.\n'.repeat(20), { access: 'private' });
      const receipt = await chat.waitFor((m) => m.text.startsWith('✅ Dataset'), { timeoutMs: 30_000 });
      const dataset = /Dataset (ds_[0-9a-z]{10})/.exec(receipt.text)![1]!;
      const card = await chat.say('/newassistant');
      const pick = await chat.submit(card, { name: 'Camel Facts', instructions: 'Answers questions about camels from the data.' });
      const vis = await chat.press(await chat.choose(pick, 'Pick datasets', [dataset]), 'Continue');
      const confirm = await chat.press(await chat.press(vis, 'Private'), 'Free');
      await chat.press(confirm, 'Create and train');
      const training = await chat.waitFor((m) => m.text.startsWith('🧠 Training Camel Facts'));
      const stepOf = async () => Number(/step (\d+)\/300/.exec((await chat.messages()).find((m) => m.id === training.id)!.text)?.[1] ?? 0);
      await eventually(async () => (await stepOf()) >= 20, 120_000, 'training past step 20');

      const stack = readStack(home);
      const seen = await stepOf();
      expectCleanExit(await ctrlC(first), first);
      await everythingGone(stack, env);
      // The checkpoint it saved on the way out is on disk, encrypted; nothing is left staged.
      expect(fs.readdirSync(path.join(home, 'blobs', 'checkpoints')).some((f) => f.includes('finetune'))).toBe(true);
      expect(fs.readdirSync(path.join(home, 'incoming'))).toEqual([]);

      const t0 = Date.now();
      const second = npmStart(home, { ...env, ...engine });
      await healthy(second, env.PORT);
      // Picked up at once (not after the two-minute job lock), from the step it stopped at — past
      // the last step seen before Ctrl-C, and before the first periodic checkpoint (step 100).
      const resumed = Number(
        await eventually(
          async () => /↻ resumed from step (\d+)/.exec((await chat.messages()).find((m) => m.id === training.id)!.text)?.[1],
          30_000,
          'training to resume',
        ),
      );
      expect(Date.now() - t0).toBeLessThan(90_000);
      expect(resumed).toBeGreaterThanOrEqual(seen);
      expect(resumed).toBeLessThan(100);
      await chat.waitFor((m) => m.id === training.id && m.text.startsWith('✅ Camel Facts is ready'), { timeoutMs: 120_000 });
      const running = readStack(home);
      expectCleanExit(await ctrlC(second), second);
      await everythingGone(running, env);
    } finally {
      base.remove();
    }
  });

  it('removes a stale postmaster.pid (its server long gone) and starts', async () => {
    const home = makeHome();
    const env = await ports();
    // A cluster that was running when its machine went down: its lock file names a dead pid.
    const pg = await startEmbeddedPostgres({ dataDir: path.join(home, 'pg'), port: Number(env.EMBEDDED_PG_PORT) });
    const lockFile = fs.readFileSync(path.join(home, 'pg', 'postmaster.pid'), 'utf8');
    await pg.stop();
    const gone = spawn('true');
    await new Promise((r) => gone.once('exit', r));
    fs.writeFileSync(path.join(home, 'pg', 'postmaster.pid'), lockFile.replace(/^\d+/, String(gone.pid)));

    const run = npmStart(home, env);
    await healthy(run, env.PORT);
    expect(run.output()).toContain('removed a stale postmaster.pid');
    const stack = readStack(home);
    expectCleanExit(await ctrlC(run), run);
    await everythingGone(stack, env);
  });

  it('refuses a wrong setting at start, naming the variable', async () => {
    const run = npmStart(makeHome(), { PORT: 'eighty' });
    expect((await run.exited).code).toBe(1);
    expect(run.output()).toContain('Invalid configuration.');
    expect(run.output()).toMatch(/PORT: /);
  });
});
