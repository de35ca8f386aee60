/**
 * `npm test`'s first half: the typecheck, the linter and the contract tests, run side by side (each
 * mostly waits on one core) with each one's output printed whole once it ends, so the logs do not
 * interleave. Exits non-zero when any fails, after all have ended.
 */
import { spawn } from 'node:child_process';

const checks = [
  ['typecheck', 'npm', ['run', '-s', 'typecheck']],
  ['lint', 'npm', ['run', '-s', 'lint']],
  ['contracts', 'npm', ['run', '-s', 'test:contracts']],
] as const;

const children = new Set<ReturnType<typeof spawn>>();
const stop = () => {
  for (const child of children) if (child.pid) process.kill(child.pid, 'SIGTERM');
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

const results = await Promise.all(
  checks.map(
    ([name, command, args]) =>
      new Promise<{ name: string; code: number; seconds: number }>((resolve) => {
        const started = performance.now();
        const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        children.add(child);
        const out: Buffer[] = [];
        child.stdout.on('data', (d: Buffer) => out.push(d));
        child.stderr.on('data', (d: Buffer) => out.push(d));
        let ended = false;
        const done = (code: number) => {
          if (ended) return;
          ended = true;
          children.delete(child);
          const seconds = Math.round((performance.now() - started) / 100) / 10;
          process.stdout.write(`\n── ${name} (${seconds} s): ${code === 0 ? 'ok' : `failed with exit code ${code}`}\n${Buffer.concat(out).toString()}`);
          resolve({ name, code, seconds });
        };
        child.on('error', (err) => {
          out.push(Buffer.from(`${err.message}\n`));
          done(1);
        });
        child.on('close', (code, signal) => done(code ?? (signal ? 1 : 0)));
      }),
  ),
);
const failed = results.filter((r) => r.code !== 0);
if (failed.length) {
  console.error(`\n${failed.map((r) => r.name).join(', ')} failed.`);
  process.exitCode = 1;
}
