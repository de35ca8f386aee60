import fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { isRunning, spawnManaged } from './process.ts';
import { startWatchdog } from './watchdog.ts';

const PROCESS_TS = new URL('./process.ts', import.meta.url).href;
const WATCHDOG_TS = new URL('./watchdog.ts', import.meta.url).href;

type Report = { child: number; watchdog: number };

/**
 * A parent process that starts a watchdog and one child under it (ready once it prints a
 * line), prints their pids and then idles (or exits, for `mode: 'exit'`), so that the test can
 * kill it like a crash would.
 */
function startParent(params: { childScript: string; mode?: 'guard' | 'forget' | 'exit'; graceMs?: number }) {
  const code = `
    const { spawnManaged } = await import(${JSON.stringify(PROCESS_TS)});
    const { startWatchdog } = await import(${JSON.stringify(WATCHDOG_TS)});
    const watchdog = startWatchdog();
    let up = false;
    const child = await spawnManaged({
      name: 'sleeper', command: process.execPath, args: ['-e', ${JSON.stringify(params.childScript + "; console.log('up')")}],
      ready: async () => up, onOutput: () => (up = true), stopSignal: 'SIGTERM', watchdog,
    });
    if (${JSON.stringify(params.mode)} === 'forget') watchdog.forget(child.pid);
    process.stdout.write(JSON.stringify({ child: child.pid, watchdog: watchdog.pid }) + '\\n', () => {
      if (${JSON.stringify(params.mode)} === 'exit') process.exit(0);
    });
    setInterval(() => {}, 1 << 30);
  `;
  const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    env: { ...process.env, CARAVAN_WATCHDOG_GRACE_MS: String(params.graceMs ?? 10_000) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const report = new Promise<Report>((resolve, reject) => {
    let out = '';
    parent.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as Report);
    });
    parent.once('exit', (code) => reject(new Error(`parent exited (${code}) before reporting`)));
  });
  return { parent, report };
}

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!isRunning(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isRunning(pid);
}

/** Waits until the child has replaced its inherited image (its environment is its own by then). */
async function eventuallyRunning(pid: number) {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && !fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('setInterval')) await new Promise((r) => setTimeout(r, 20));
}

const exitOf = (proc: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve(proc.exitCode);
    else proc.once('exit', (code) => resolve(code));
  });

describe('startWatchdog', () => {
  const leftovers: number[] = [];
  afterEach(() => {
    for (const pid of leftovers.splice(0))
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {}
  });

  it('stops a guarded child when its parent is killed with SIGKILL', async () => {
    const { parent, report } = startParent({ childScript: 'setInterval(() => {}, 1 << 30)' });
    const { child, watchdog } = await report;
    leftovers.push(child);
    expect(isRunning(child)).toBe(true);

    parent.kill('SIGKILL');
    expect(await gone(child, 5_000)).toBe(true);
    expect(await gone(watchdog, 2_000)).toBe(true);
  });

  it('SIGKILLs the group of a child that ignores its stop signal once the grace period is over', async () => {
    const { parent, report } = startParent({
      childScript: "process.on('SIGTERM', () => {}); setInterval(() => {}, 1 << 30)",
      graceMs: 500,
    });
    const { child } = await report;
    leftovers.push(child);

    parent.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 250));
    expect(isRunning(child)).toBe(true); // still in its grace period
    expect(await gone(child, 5_000)).toBe(true);
  });

  it('leaves a forgotten child alone', async () => {
    const { parent, report } = startParent({ childScript: 'setInterval(() => {}, 1 << 30)', mode: 'forget' });
    const { child, watchdog } = await report;
    leftovers.push(child);

    parent.kill('SIGKILL');
    expect(await gone(watchdog, 5_000)).toBe(true);
    expect(isRunning(child)).toBe(true);
  });

  it('stops what is guarded when its parent exits without stopping it', async () => {
    const { parent, report } = startParent({ childScript: 'setInterval(() => {}, 1 << 30)', mode: 'exit' });
    const { child } = await report;
    leftovers.push(child);

    expect(await exitOf(parent)).toBe(0);
    expect(await gone(child, 5_000)).toBe(true);
  });

  it('close() resolves once the watchdog has exited, keeping the caller alive until then', async () => {
    const code = `
      const { startWatchdog } = await import(${JSON.stringify(WATCHDOG_TS)});
      const watchdog = startWatchdog();
      await watchdog.close();
      process.stdout.write('closed ' + watchdog.pid + '\\n');
    `;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    parent.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    expect(await exitOf(parent)).toBe(0);
    const pid = Number(/closed (\d+)/.exec(out)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(isRunning(pid)).toBe(false);
  });

  it('stops a child holding its mark even if the watch message never came (a kill right after the spawn)', async () => {
    const code = `
      const { spawn } = await import('node:child_process');
      const { startWatchdog } = await import(${JSON.stringify(WATCHDOG_TS)});
      const watchdog = startWatchdog();
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], {
        detached: true, stdio: ['ignore', 'ignore', 'ignore', watchdog.mark],
      });
      process.stdout.write(JSON.stringify({ child: child.pid, watchdog: watchdog.pid }) + '\\n');
      setInterval(() => {}, 1 << 30);
    `;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    const { child, watchdog } = await new Promise<Report>((resolve) =>
      parent.stdout!.once('data', (d: Buffer) => resolve(JSON.parse(d.toString().split('\n')[0]!) as Report)),
    );
    leftovers.push(child);
    await eventuallyRunning(child);

    parent.kill('SIGKILL');
    expect(await gone(child, 5_000)).toBe(true);
    expect(await gone(watchdog, 2_000)).toBe(true);
  });

  it('guards nothing new once closed: a service is not started under it', async () => {
    const watchdog = startWatchdog();
    expect(watchdog.closed).toBe(false);
    await watchdog.close();
    expect(watchdog.closed).toBe(true);
    await expect(
      spawnManaged({ name: 'sleeper', command: process.execPath, args: ['-e', ''], ready: async () => true, watchdog }),
    ).rejects.toThrow('Not starting sleeper: this process is stopping.');
  });

  it('does not keep its parent alive', async () => {
    const code = `
      const { startWatchdog } = await import(${JSON.stringify(WATCHDOG_TS)});
      startWatchdog().watch(2 ** 22 + 1, 'SIGTERM');
    `;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: 'inherit' });
    const timer = setTimeout(() => parent.kill('SIGKILL'), 10_000);
    expect(await exitOf(parent)).toBe(0);
    clearTimeout(timer);
  });
});
