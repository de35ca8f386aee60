import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { ServiceError } from '../errors.ts';

/** A child process we started and must stop. */
export type ManagedProcess = {
  readonly name: string;
  readonly pid: number;
  /** Last lines the process printed, for error messages. */
  tail(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  /** Sends `signal`, waits up to `timeoutMs`, then SIGKILL. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
};

export type SpawnManagedParameters = {
  name: string;
  command: string;
  args: string[];
  options?: SpawnOptions;
  /** Resolves true once the service answers. Polled until `timeoutMs`. */
  ready: () => Promise<boolean>;
  timeoutMs?: number;
};

/**
 * Spawns a service, keeps the last lines of its output and waits until `ready()` answers.
 * The process is killed if it does not become ready in time.
 */
export async function spawnManaged(params: SpawnManagedParameters): Promise<ManagedProcess> {
  const { name, command, args, ready, timeoutMs = 60_000 } = params;
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...params.options });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let spawnError: Error | undefined;
  child.on('error', (err) => (spawnError = err));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const managed: ManagedProcess = {
    name,
    get pid() {
      return child.pid ?? -1;
    },
    tail: () => lines.join('\n'),
    exited,
    async stop(signal = 'SIGTERM', stopTimeoutMs = 15_000) {
      if (hasExited || child.pid === undefined) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError)
      throw new ServiceError(`Could not start ${name}.`, { cause: spawnError, details: `${command} ${args.join(' ')}` });
    if (hasExited)
      throw new ServiceError(`${name} exited during start-up.`, { details: managed.tail() || '(no output)' });
    if (await ready().catch(() => false)) return managed;
    if (Date.now() > deadline) {
      await managed.stop('SIGKILL');
      throw new ServiceError(`${name} did not become ready within ${Math.round(timeoutMs / 1000)} s.`, {
        details: managed.tail() || '(no output)',
      });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
