import fs from 'node:fs';
import path from 'node:path';
import { ServiceError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { commandLine, stopOrphan } from './process.ts';

/** A service the dev stack started. */
export type StackChild = {
  /** The program, as it appears in the process's command line (`postgres`, `redis-server`, `anvil`). */
  name: string;
  pid: number;
  /** Signal that stops it cleanly. Default: SIGTERM. */
  signal?: NodeJS.Signals | undefined;
};

/** Contents of `<CARAVAN_HOME>/stack.json`. */
export type StackLockFile = { pid: number; startedAt: string; children: StackChild[] };

/** The dev stack's claim on its home directory. */
export type StackLock = {
  /** Path of the lock file. */
  readonly path: string;
  /** Records a service the stack started, so that a later start can clean it up if this process dies. */
  addChild(child: StackChild): void;
  /** Removes the lock file (on a clean stop). */
  release(): void;
};

export type AcquireStackLockParameters = {
  /** CARAVAN_HOME: the lock is `<home>/stack.json`. */
  home: string;
  log: Pick<Logger, 'info' | 'warn'>;
};

/**
 * Claims `<home>` for this process's dev stack by writing `<home>/stack.json`. Refuses when the
 * stack recorded there is still running. When it is not — it was killed, or crashed — every
 * service it recorded that still runs (checked by its command line, so a reused pid is left
 * alone) is stopped first, and one line says so.
 *
 * @throws {ServiceError} when another Caravan stack is running from `home`.
 */
export async function acquireStackLock(params: AcquireStackLockParameters): Promise<StackLock> {
  const { home, log } = params;
  const file = path.join(home, 'stack.json');
  const state: StackLockFile = { pid: process.pid, startedAt: new Date().toISOString(), children: [] };
  fs.mkdirSync(home, { recursive: true });

  for (let attempt = 0; ; attempt++) {
    // Written aside, then linked into place: creation is atomic and the lock is never seen half
    // written. Two starts racing for a stale lock: the loser finds the winner's on its next try.
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(state, null, 2));
    try {
      fs.linkSync(temporary, file);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 2) throw err;
    } finally {
      fs.rmSync(temporary, { force: true });
    }
    const previous = readLock(file);
    if (previous && isStack(previous.pid))
      throw new ServiceError(`Another Caravan stack is running from ${home} (pid ${previous.pid}).`, {
        metaMessages: [
          `Stop it first (Ctrl-C in its terminal, or \`kill ${previous.pid}\`), or set CARAVAN_HOME to run a separate stack.`,
        ],
      });
    const stopped = await stopLeftovers(previous?.children ?? []);
    log.warn(
      { pid: previous?.pid, stopped: stopped.map((c) => `${c.name} (pid ${c.pid})`) },
      'cleaned up leftovers of a Caravan stack that did not stop cleanly',
    );
    fs.rmSync(file, { force: true });
  }

  const write = () => {
    // Write then rename, so that a crash mid-write never leaves half a lock file.
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(state, null, 2));
    fs.renameSync(temporary, file);
  };
  return {
    path: file,
    addChild(child) {
      state.children.push(child);
      write();
    },
    release() {
      if (readLock(file)?.pid === process.pid) fs.rmSync(file, { force: true });
    },
  };
}

function readLock(file: string): StackLockFile | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<StackLockFile>;
    if (!Number.isInteger(parsed.pid)) return undefined;
    const children = Array.isArray(parsed.children)
      ? parsed.children.filter((c): c is StackChild => typeof c?.name === 'string' && Number.isInteger(c?.pid))
      : [];
    return { pid: parsed.pid!, startedAt: String(parsed.startedAt), children };
  } catch {
    // Missing or unreadable: nothing to honour.
    return undefined;
  }
}

/** Whether `pid` runs node (our stack runs in node) — not a dead stack's pid reused by another program. */
function isStack(pid: number): boolean {
  if (pid === process.pid) return false;
  const argv0 = commandLine(pid)?.split(' ')[0];
  return argv0 !== undefined && (argv0 === process.execPath || /(^|\/)node(js)?(\.exe)?$/.test(argv0));
}

/** Stops, in parallel, the recorded services that still run the same program. */
async function stopLeftovers(children: StackChild[]): Promise<StackChild[]> {
  const alive = children.filter((c) => c.pid > 1 && commandLine(c.pid)?.includes(c.name));
  await Promise.all(alive.map((c) => stopOrphan(c.pid, c.signal ?? 'SIGTERM', 10_000)));
  return alive;
}
