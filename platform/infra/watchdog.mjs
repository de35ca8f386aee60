// The watchdog process behind platform/infra/watchdog.ts. Plain JavaScript so that it runs
// with `process.execPath` alone, without tsx: it must keep working after its parent is gone.
//
// Protocol: one JSON object per line on stdin.
//   {"op":"watch","pid":123,"signal":"SIGINT"}   guard the process group led by 123
//   {"op":"forget","pid":123}                    stopped cleanly, stop guarding it
// When stdin reaches EOF — the parent exited or was killed, even by SIGKILL, because the
// kernel closes its end of the pipe — every guarded service still alive gets its signal,
// then up to GRACE_MS to exit, then SIGKILL for its whole process group; then this exits.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const GRACE_MS = Number(process.env.CARAVAN_WATCHDOG_GRACE_MS ?? 10_000);

/** @type {Map<number, string>} pid (= process group id) → signal that stops it cleanly */
const guarded = new Map();

// Detached from the terminal's process group already; ignore the signals a terminal or a
// supervisor may still send so that the guard outlives whatever kills its parent.
for (const signal of ['SIGINT', 'SIGHUP', 'SIGPIPE']) process.on(signal, () => {});

/**
 * Whether `pid` is a running process. A zombie counts as gone: where PID 1 does not reap
 * orphans (some containers), the dead keep their pid forever and `kill(pid, 0)` succeeds.
 */
function alive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch (err) {
    if (err.code !== 'ENOENT' || fs.existsSync('/proc/self/stat')) return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Pids of the live members of process group `pgid` (Linux); the leader alone elsewhere. */
function groupMembers(pgid) {
  let entries;
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return alive(pgid) ? [pgid] : [];
  }
  const members = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name: state ppid pgrp …
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') members.push(Number(entry));
    } catch {}
  }
  return members;
}

function send(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {}
}

function handle(line) {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return;
  }
  if (!Number.isInteger(message?.pid) || message.pid <= 1) return;
  if (message.op === 'watch') guarded.set(message.pid, typeof message.signal === 'string' ? message.signal : 'SIGTERM');
  else if (message.op === 'forget') guarded.delete(message.pid);
}

async function stopAll() {
  // The clean signal goes to the leader only: a service such as PostgreSQL stops its own
  // workers in order, and signalling them directly could disturb its shutdown.
  for (const [pid, signal] of guarded) if (alive(pid)) send(pid, signal);
  const deadline = Date.now() + GRACE_MS;
  const remaining = () => [...guarded.keys()].filter((pgid) => groupMembers(pgid).length > 0);
  while (remaining().length > 0 && Date.now() < deadline) await sleep(100);
  for (const pgid of remaining()) {
    send(-pgid, 'SIGKILL');
    for (const pid of groupMembers(pgid)) send(pid, 'SIGKILL');
  }
  process.exit(0);
}

let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  let newline;
  while ((newline = buffered.indexOf('\n')) >= 0) {
    handle(buffered.slice(0, newline));
    buffered = buffered.slice(newline + 1);
  }
});
process.stdin.on('end', () => {
  if (buffered) handle(buffered);
  void stopAll();
});
process.stdin.on('error', () => void stopAll());
