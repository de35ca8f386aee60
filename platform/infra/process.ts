import fs from 'node:fs';
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { ServiceError } from '../errors.ts';
import type { Watchdog } from './watchdog.ts';

/** A child process we started and must stop. */
export type ManagedProcess = {
  readonly name: string;
  readonly pid: number;
  /** Last lines the process printed, for error messages. */
  tail(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  /**
   * Sends `signal` (default: the process's `stopSignal`) to it, waits up to `timeoutMs`, then
   * SIGKILLs its whole process group.
   */
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
  /** Signal that stops the service cleanly. Default: SIGTERM. */
  stopSignal?: NodeJS.Signals;
  /** Guards the process so that it dies with this one, even on SIGKILL. */
  watchdog?: Watchdog | undefined;
  /** Receives each line the process prints. */
  onOutput?: ((line: string) => void) | undefined;
};

/**
 * Spawns a service in a process group of its own, keeps the last lines of its output and
 * waits until `ready()` answers. The process is killed if it does not become ready in time.
 *
 * Its own group keeps a terminal's Ctrl-C (sent to the foreground group) away from it: the
 * signal reaches only our process, which stops the services in order.
 */
export async function spawnManaged(params: SpawnManagedParameters): Promise<ManagedProcess> {
  const { name, command, args, ready, timeoutMs = 60_000, stopSignal = 'SIGTERM', watchdog } = params;
  // A closed watchdog means this process is stopping (Ctrl-C during start-up): a service started
  // now would be guarded by nothing and outlive it.
  if (watchdog?.closed) throw new ServiceError(`Not starting ${name}: this process is stopping.`);
  const child: ChildProcess = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe', ...(watchdog ? [watchdog.mark] : [])],
    ...params.options,
    detached: true,
  });
  if (child.pid !== undefined) watchdog?.watch(child.pid, stopSignal);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    const fresh = chunk.toString('utf8').split('\n').filter(Boolean);
    for (const line of fresh) params.onOutput?.(line);
    lines.push(...fresh);
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let spawnError: Error | undefined;
  child.on('error', (err) => (spawnError = err));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    // Once it is gone its pid may be reused: the watchdog must never signal it again.
    if (child.pid !== undefined) watchdog?.forget(child.pid);
  });

  const managed: ManagedProcess = {
    name,
    get pid() {
      return child.pid ?? -1;
    },
    tail: () => lines.join('\n'),
    exited,
    async stop(signal = stopSignal, stopTimeoutMs = 15_000) {
      const pid = child.pid;
      if (hasExited || pid === undefined) return;
      // The clean signal goes to the leader only: PostgreSQL, for one, stops its own workers
      // in order. SIGKILL goes to the whole group so that nothing of it survives.
      child.kill(signal);
      const timer = setTimeout(() => killGroup(pid), signal === 'SIGKILL' ? 0 : stopTimeoutMs);
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

function killGroup(pgid: number) {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    try {
      process.kill(pgid, 'SIGKILL');
    } catch {}
  }
}

const HAS_PROC = fs.existsSync('/proc/self/stat');

/**
 * Whether `pid` is a running process. A zombie counts as gone: where PID 1 does not reap
 * orphans (some containers), a dead process keeps its pid and `kill(pid, 0)` still succeeds.
 */
export function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (HAS_PROC) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The command line of a running process, arguments joined by spaces (as `ps` shows it), or
 * undefined when `pid` is not running. Used to make sure a recorded pid is still the program
 * we think it is before signalling it.
 */
export function commandLine(pid: number): string | undefined {
  if (!isRunning(pid)) return undefined;
  try {
    if (HAS_PROC) return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stops a process we did not start (an orphan of a previous run): `signal`, up to `timeoutMs`
 * for it to exit, then SIGKILL for its process group (when it leads one) or for it alone.
 * Resolves true if it had to be killed.
 */
export async function stopOrphan(pid: number, signal: NodeJS.Signals, timeoutMs = 10_000): Promise<boolean> {
  try {
    process.kill(pid, signal);
  } catch {
    return false;
  }
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (!isRunning(pid)) return false;
  if (leadsGroup(pid)) killGroup(pid);
  else {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  const killDeadline = Date.now() + 5000;
  while (isRunning(pid) && Date.now() < killDeadline) await new Promise((r) => setTimeout(r, 50));
  return true;
}

function leadsGroup(pid: number): boolean {
  if (!HAS_PROC) return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pid;
  } catch {
    return false;
  }
}
