// The watchdog process behind platform/infra/watchdog.ts. Plain JavaScript so that it runs
// with `process.execPath` alone, without tsx: it must keep working after its parent is gone.
//
// Usage: node watchdog.mjs <marker path>
// Protocol: one JSON object per line on stdin.
//   {"op":"watch","pid":123,"signal":"SIGINT"}   guard 123 (and the process group it leads)
//   {"op":"forget","pid":123}                    stopped cleanly (or meant to outlive us): leave it
// A process that holds the marker file open (the parent hands it to each child it spawns) is
// guarded as well, message or not: that closes the gap between a spawn and its "watch"
// message, during which a parent killed outright would otherwise leave the new process behind
// (Linux only). A file descriptor, not an environment variable: PostgreSQL and Redis overwrite
// their environment to show a process title.
//
// When stdin reaches EOF — the parent exited or was killed, even by SIGKILL, because the
// kernel closes its end of the pipe — every guarded process still alive gets its signal, then
// up to GRACE_MS to exit, then SIGKILL for it and its process group; then this exits.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const GRACE_MS = Number(process.env.CARAVAN_WATCHDOG_GRACE_MS ?? 10_000);
const MARKER = process.argv[2] ?? '';
const PARENT = process.ppid;
const HAS_PROC = fs.existsSync('/proc/self/stat');

/** @type {Map<number, string>} pid → signal that stops it cleanly */
const guarded = new Map();
/** @type {Set<number>} */
const forgotten = new Set();

// Detached from the terminal's process group already; ignore the signals a terminal or a
// supervisor may still send so that the guard outlives whatever kills its parent.
for (const signal of ['SIGINT', 'SIGHUP', 'SIGPIPE']) process.on(signal, () => {});

/** `[state, ppid, pgrp]` of a process, from /proc; undefined when it does not exist. */
function stat(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid, pgrp] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return [state, Number(ppid), Number(pgrp)];
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` is a running process. A zombie counts as gone: where PID 1 does not reap
 * orphans (some containers), the dead keep their pid forever and `kill(pid, 0)` succeeds.
 */
function alive(pid) {
  if (HAS_PROC) {
    const s = stat(pid);
    return s !== undefined && s[0] !== 'Z';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Pids of the live members of process group `pgid` (Linux; elsewhere the leader alone). */
function groupMembers(pgid) {
  if (!HAS_PROC) return alive(pgid) ? [pgid] : [];
  const members = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (s && s[2] === pgid && s[0] !== 'Z') members.push(Number(entry));
  }
  return members;
}

/**
 * Live processes holding the marker file open, except our parent and those whose own parent
 * holds it too (PostgreSQL's workers: the server stops them itself). Signalled with SIGTERM, as
 * no watch message told us better.
 */
function marked() {
  const found = new Map();
  if (!HAS_PROC || !MARKER) return found;
  const holds = (pid) => {
    if (pid === PARENT) return false;
    try {
      return fs.readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
          return target === MARKER || target === `${MARKER} (deleted)`;
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  };
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const s = stat(pid);
    if (s && s[0] !== 'Z' && pid !== process.pid && holds(pid) && !holds(s[1])) found.set(pid, 'SIGTERM');
  }
  return found;
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
  if (message.op === 'watch') {
    guarded.set(message.pid, typeof message.signal === 'string' ? message.signal : 'SIGTERM');
    forgotten.delete(message.pid);
  } else if (message.op === 'forget') {
    guarded.delete(message.pid);
    forgotten.add(message.pid);
  }
}

async function stopAll() {
  for (const [pid, signal] of marked()) if (!guarded.has(pid) && !forgotten.has(pid)) guarded.set(pid, signal);
  // The clean signal goes to the process only: a service such as PostgreSQL stops its own
  // workers in order, and signalling them directly could disturb its shutdown.
  for (const [pid, signal] of guarded) if (alive(pid)) send(pid, signal);
  const deadline = Date.now() + GRACE_MS;
  const remaining = () => [...guarded.keys()].filter((pid) => alive(pid) || groupMembers(pid).length > 0);
  while (remaining().length > 0 && Date.now() < deadline) await sleep(100);
  for (const pid of remaining()) {
    send(-pid, 'SIGKILL');
    send(pid, 'SIGKILL');
    for (const member of groupMembers(pid)) send(member, 'SIGKILL');
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
