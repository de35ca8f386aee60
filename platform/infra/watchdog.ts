import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'node:net';

/**
 * Guards the services a process started so that they die with it, even when it is killed with
 * SIGKILL and has no chance to stop them itself.
 */
export type Watchdog = {
  /** Pid of the watchdog process. */
  readonly pid: number;
  /** True once close() was called (or the watchdog died): it guards nothing new. */
  readonly closed: boolean;
  /**
   * Guards the process group led by `pid`: if this process dies, `signal` goes to `pid`, then
   * SIGKILL to its group if it has not exited within about 10 s.
   */
  watch(pid: number, signal: NodeJS.Signals): void;
  /** Stops guarding `pid` (it was stopped cleanly, or exited by itself). */
  forget(pid: number): void;
  /**
   * An open file descriptor to hand to every child spawned under this watchdog (as an extra
   * stdio entry), then `watch()` it: a process holding it is guarded from its first instruction,
   * so a parent killed between the spawn and the watch message leaves nothing behind. Linux
   * only; elsewhere watch() alone guards.
   */
  readonly mark: number;
  /**
   * Lets the watchdog go: it stops whatever is still guarded (normally nothing) and exits.
   * Resolves once it has exited.
   */
  close(): Promise<void>;
};

const SCRIPT = fileURLToPath(new URL('./watchdog.mjs', import.meta.url));

/**
 * Starts a watchdog process (plain node, its own process group, stdin a pipe from this
 * process). When the pipe reaches EOF — this process exited or was killed, since the kernel
 * closes the pipe even on SIGKILL — it stops every group still guarded. It never keeps this
 * process alive.
 *
 * @example
 * const watchdog = startWatchdog();
 * const anvil = await startAnvil({ watchdog });
 * // … a SIGKILL of this process now stops anvil too
 * await anvil.stop();
 * await watchdog.close();
 */
export function startWatchdog(): Watchdog {
  const env = { ...process.env };
  // A loader or inspector flag meant for the parent must not be applied to the watchdog.
  delete env.NODE_OPTIONS;
  // A file of our own, open here and in every guarded child: the watchdog finds them by it in
  // /proc. Its name is removed at once; the open descriptors keep it (shown as "(deleted)").
  const marker = path.join(os.tmpdir(), `caravan-watchdog-${crypto.randomBytes(12).toString('hex')}`);
  const mark = fs.openSync(marker, 'wx', 0o600);
  fs.rmSync(marker);
  const child = spawn(process.execPath, [SCRIPT, marker], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env });
  const stdin = child.stdin!;
  // Writing to a watchdog someone else killed must not crash this process; it just guards nothing.
  stdin.on('error', () => {});
  child.on('error', () => {});
  let gone = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      gone = true;
      fs.closeSync(mark);
      resolve();
    }),
  );
  child.unref();
  (stdin as unknown as Socket).unref();

  const send = (message: object) => {
    if (!stdin.writable) return;
    stdin.write(`${JSON.stringify(message)}\n`);
  };
  return {
    get pid() {
      return child.pid ?? -1;
    },
    get closed() {
      return gone || !stdin.writable;
    },
    watch: (pid, signal) => send({ op: 'watch', pid, signal }),
    forget: (pid) => send({ op: 'forget', pid }),
    mark,
    async close() {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      // Unreferenced, its exit would not keep this process alive to see it: a caller awaiting
      // close() as its last step would silently end there.
      child.ref();
      stdin.end();
      await exited;
    },
  };
}
