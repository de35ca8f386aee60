/**
 * Runs the real forge binary (not the npm wrapper, which always exits 0) in `contracts/`, offline, with our
 * solc-js shim, and exits with forge's own exit code.
 *
 * - `tsx contracts/script/forge.ts test` — the full contract check: `forge test` (unit, fuzz, invariant), then
 *   `forge snapshot --check` of the unit tests' gas against the committed `contracts/.gas-snapshot`.
 * - `tsx contracts/script/forge.ts snapshot` — rewrites `contracts/.gas-snapshot`.
 * - anything else is passed to forge as is (`build`, `test --match-test x -vvv`, `coverage`, ...).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `contracts/` folder (forge's root). */
export const contractsRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Tests whose gas is not recorded in the snapshot: fuzz and invariant gas varies with their inputs. */
export const SNAPSHOT_FILTER = ['--no-match-test', '^(testFuzz|invariant)'] as const;

/** Path of the platform's forge binary shipped by `@foundry-rs/forge`. */
export function forgeBinary(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@foundry-rs/forge-linux-amd64/package.json');
  const bin = join(dirname(pkg), 'bin', 'forge');
  if (!existsSync(bin)) throw new Error(`forge binary not found at ${bin}`);
  return bin;
}

/** Runs forge with `args` in `contracts/`, inheriting stdio; returns its exit code. */
export function runForge(args: readonly string[]): number {
  const result = spawnSync(forgeBinary(), args, { cwd: contractsRoot, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.signal) return 128 + (result.signal === 'SIGINT' ? 2 : 15);
  return result.status ?? 1;
}

function main(argv: readonly string[]): number {
  const [command, ...rest] = argv;
  if (command === 'test' && rest.length === 0) {
    const tested = runForge(['test']);
    if (tested !== 0) return tested;
    return runForge(['snapshot', '--check', ...SNAPSHOT_FILTER]);
  }
  if (command === 'snapshot' && rest.length === 0) return runForge(['snapshot', ...SNAPSHOT_FILTER]);
  return runForge(argv.length > 0 ? argv : ['--help']);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
