#!/usr/bin/env node
// A `solc` executable for forge backed by solc-js (the npm `solc` package), so that forge
// works offline: forge never has to download a native compiler. See shared/RECIPES.md.
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const solc = require('solc');
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);

if (args.includes('--version')) {
  const version = solc.version().replace('.Emscripten.clang', '');
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${version}.Linux.g++\n`);
} else if (args.includes('--standard-json')) {
  const roots = [process.cwd(), resolve(projectRoot, 'contracts'), projectRoot];
  for (let i = 0; i < args.length; i++) {
    if ((args[i] === '--base-path' || args[i] === '--include-path') && args[i + 1]) roots.unshift(resolve(args[i + 1]));
  }
  const findImports = (path) => {
    const candidates = isAbsolute(path) ? [path] : roots.map((root) => resolve(root, path));
    for (const candidate of candidates) {
      if (existsSync(candidate)) return { contents: readFileSync(candidate, 'utf8') };
    }
    return { error: `File not found: ${path}` };
  };
  const input = readFileSync(0, 'utf8');
  // No process.exit() after writing: it would truncate piped output at 128 KiB.
  const output = JSON.parse(solc.compile(input, { import: findImports }));
  // Warnings about third-party code (OpenZeppelin, forge-std) are not ours to fix; keep our own.
  if (Array.isArray(output.errors)) {
    output.errors = output.errors.filter(
      (e) =>
        e.severity !== 'warning' ||
        (e.errorCode !== '4591' && !String(e.sourceLocation?.file ?? '').includes('node_modules/')),
    );
  }
  process.stdout.write(JSON.stringify(output));
} else {
  process.stderr.write('solc-shim: only --version and --standard-json are supported\n');
  process.exitCode = 1;
}
