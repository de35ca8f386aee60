import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const SHUTDOWN_TS = new URL('./shutdown.ts', import.meta.url).href;
const LOG_TS = new URL('../platform/log.ts', import.meta.url).href;

type Result = { code: number | null; output: string };

/**
 * A process with two deferred stop steps (the second takes `stepMs`) and a listener of its own
 * on SIGINT added before handleShutdown; it prints `ready`, then idles or crashes (`crash`).
 */
function startProcess(params: { stepMs?: number; crash?: 'throw' | 'reject'; repeatWindowMs?: number }) {
  const code = `
    const { handleShutdown } = await import(${JSON.stringify(SHUTDOWN_TS)});
    const { createLogger } = await import(${JSON.stringify(LOG_TS)});
    process.on('SIGINT', () => console.log('other listener'));
    const shutdown = handleShutdown(createLogger({ level: 'info', pretty: false }), { repeatWindowMs: ${params.repeatWindowMs ?? 2000} });
    shutdown.defer(() => console.log('first step stopped'));
    shutdown.defer(async () => {
      await new Promise((r) => setTimeout(r, ${params.stepMs ?? 0}));
      console.log('second step stopped');
    });
    setInterval(() => {}, 1 << 30);
    console.log('ready');
    if (${JSON.stringify(params.crash)} === 'throw') setTimeout(() => { throw new Error('boom'); }, 10);
    if (${JSON.stringify(params.crash)} === 'reject') setTimeout(() => void Promise.reject(new Error('boom')), 10);
  `;
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = new Promise<void>((resolve) =>
    proc.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('ready')) resolve();
    }),
  );
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const result = new Promise<Result>((resolve) => proc.once('exit', (code) => resolve({ code, output })));
  return { proc, ready, result };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const messages = (output: string) =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string });
const kill = (proc: ChildProcess, signal: NodeJS.Signals) => process.kill(proc.pid!, signal);

describe('handleShutdown', () => {
  it('stops in reverse order on SIGINT, exits 0, and leaves other SIGINT listeners in place', async () => {
    const { proc, ready, result } = startProcess({});
    await ready;
    kill(proc, 'SIGINT');
    const { code, output } = await result;
    expect(code).toBe(0);
    expect(output).toContain('other listener');
    expect(output.indexOf('second step stopped')).toBeLessThan(output.indexOf('first step stopped'));
    expect(messages(output).at(-1)!.msg).toBe('stopped cleanly');
  });

  it('ignores a repeated signal within the window and stops once', async () => {
    const { proc, ready, result } = startProcess({ stepMs: 500 });
    await ready;
    kill(proc, 'SIGINT');
    await sleep(100);
    kill(proc, 'SIGTERM');
    const { code, output } = await result;
    expect(code).toBe(0);
    expect(output.match(/second step stopped/g)).toHaveLength(1);
    expect(messages(output).filter((m) => m.msg === 'stopping…')).toHaveLength(1);
  });

  it('forces exit 130 on a signal after the window while still stopping', async () => {
    const { proc, ready, result } = startProcess({ stepMs: 10_000, repeatWindowMs: 300 });
    await ready;
    kill(proc, 'SIGINT');
    await sleep(600);
    kill(proc, 'SIGINT');
    const { code, output } = await result;
    expect(code).toBe(130);
    expect(output).not.toContain('second step stopped');
    expect(messages(output).at(-1)!.msg).toBe('forced exit');
  });

  it.each(['throw', 'reject'] as const)('on a crash (%s) logs it as fatal, runs the clean stop and exits 1', async (crash) => {
    const { result } = startProcess({ crash });
    const { code, output } = await result;
    expect(code).toBe(1);
    const fatal = messages(output).find((m) => m.level === 60);
    expect(fatal?.msg).toBe(crash === 'throw' ? 'uncaught exception' : 'unhandled promise rejection');
    expect(output).toContain('"boom"');
    expect(output.indexOf('second step stopped')).toBeLessThan(output.indexOf('first step stopped'));
    expect(output).toContain('first step stopped');
  });
});
