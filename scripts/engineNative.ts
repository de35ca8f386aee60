/**
 * `npm run engine:native` — opt-in, never needed, never run by CI: gives the engine TensorFlow.js's
 * native `tensorflow` backend on a machine with no internet, by building @tensorflow/tfjs-node
 * 4.22's binding against the TensorFlow C API inside a `tensorflow-cpu` wheel that the machine's
 * pip can fetch (its configured index). No npm package ships libtensorflow, so this is the only way
 * to a native backend offline; where pip has no wheel, the engine stays on wasm.
 *
 * Steps (see shared RECIPES.md, "TensorFlow.js native backend, offline"):
 *  1. checks the tools (pip3, python3, make, a C++ compiler, node-gyp, Node's headers);
 *  2. `pip3 download --no-deps tensorflow-cpu` into `.caravan/native-wheels/` (kept as a cache);
 *  3. `npm install --ignore-scripts @tensorflow/tfjs-node@4.22.0` into a staging prefix;
 *  4. unpacks `libtensorflow_cc.so.2` and `libtensorflow_framework.so.2` into the package's
 *     `deps/lib` (with the `libtensorflow.so` / `libtensorflow_framework.so` links the binding
 *     links against) and the C API headers into `deps/include`;
 *  5. `node-pre-gyp rebuild --build-from-source --build-latest-napi-version-only --nodedir=…`;
 *  6. strips the libraries; points the package's `@tensorflow/*` dependencies at the project's
 *     copies (one tfjs engine, one Tensor class);
 *  7. installs the prefix as `.caravan/native/` (git-ignored) and links
 *     `node_modules/@tensorflow/tfjs-node` → it, which is what selectBackend imports;
 *  8. checks, in a fresh process, that the engine selects `tensorflow` and that the training
 *     gradients, logits and greedy generations match wasm's.
 * Any failure says why, rolls back steps 7–8 (the previous state is restored) and exits 1.
 * A rerun with an existing build only relinks and rechecks (`npm ci` removes the link);
 * `--rebuild` forces a fresh build.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TFJS_NODE_VERSION = '4.22.0';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const wheelCache = join(root, '.caravan/native-wheels');
const installDir = join(root, '.caravan/native');
const linkPath = join(root, 'node_modules/@tensorflow/tfjs-node');
const builtPackage = (prefix: string) => join(prefix, 'node_modules/@tensorflow/tfjs-node');
const stampFile = (prefix: string) => join(prefix, 'built-from.json');

/** A step that could not be done, with what to do about it. */
class NativeBuildError extends Error {
  override name = 'NativeBuildError' as const;
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

type CommandResult = { code: number; output: string };

/**
 * Runs a command; its output is kept (last 64 KB) and, with `echo`, also shown as it comes —
 * or, with `echo` as a filter, line by line, the lines it accepts.
 */
function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; echo?: boolean | ((line: string) => boolean) } = {},
): Promise<CommandResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd: options.cwd ?? root, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let atLineStart = true;
    let partial = '';
    const take = (chunk: Buffer) => {
      const text = chunk.toString();
      output = (output + text).slice(-65536);
      if (!options.echo) return;
      if (typeof options.echo === 'function') {
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (options.echo(line)) process.stdout.write(`      ${line}\n`);
        return;
      }
      // Indented under the step's title, line by line across chunk boundaries.
      process.stdout.write(text.replace(/(^|\n)(?=.)/g, (_m, nl: string, offset: number) => (offset === 0 && nl === '' && !atLineStart ? '' : `${nl}      `)));
      atLineStart = text.endsWith('\n');
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (error) => resolvePromise({ code: 127, output: output + String(error) }));
    child.on('close', (code) => {
      if (partial && typeof options.echo === 'function' && options.echo(partial)) process.stdout.write(`      ${partial}\n`);
      resolvePromise({ code: code ?? 1, output });
    });
  });
}

const tail = (text: string, lines = 15) =>
  text
    .trim()
    .split('\n')
    .slice(-lines)
    .map((l) => `      ${l}`)
    .join('\n');

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;

/** node-gyp as node-pre-gyp looks for it: $npm_config_node_gyp, then the one bundled with npm beside node. */
function findNodeGyp(): string | null {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(dirname(process.execPath)), 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ];
  return candidates.find((c): c is string => Boolean(c && existsSync(c))) ?? null;
}

let stepNumber = 0;
const totalSteps = 8;
async function step<T>(title: string, work: () => Promise<T>): Promise<T> {
  stepNumber += 1;
  const started = performance.now();
  console.log(`[${stepNumber}/${totalSteps}] ${title}`);
  const result = await work();
  console.log(`      done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

function skipStep(title: string, why: string) {
  stepNumber += 1;
  console.log(`[${stepNumber}/${totalSteps}] ${title} — skipped: ${why}`);
}

type Tools = { nodedir: string; nodeGyp: string; strip: boolean };

async function checkTools(): Promise<Tools> {
  const missing = ['pip3', 'python3', 'make'].filter((t) => !has(t));
  if (!has('g++') && !has('c++')) missing.push('g++');
  if (missing.length) throw new NativeBuildError(`missing tools: ${missing.join(', ')}`, 'install them (the build compiles a C++ Node addon)');
  const nodedir = dirname(dirname(process.execPath));
  if (!existsSync(join(nodedir, 'include/node/node_api.h'))) {
    throw new NativeBuildError(`Node's headers are not in ${join(nodedir, 'include/node')}`, 'install the Node.js development headers for this node binary');
  }
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) throw new NativeBuildError('node-gyp not found (neither $npm_config_node_gyp nor the copy bundled with npm)');
  const tfjsVersion = (JSON.parse(readFileSync(join(root, 'node_modules/@tensorflow/tfjs/package.json'), 'utf8')) as { version: string }).version;
  if (tfjsVersion !== TFJS_NODE_VERSION) {
    throw new NativeBuildError(`the project's @tensorflow/tfjs is ${tfjsVersion}; tfjs-node ${TFJS_NODE_VERSION} needs exactly ${TFJS_NODE_VERSION} to share one engine`);
  }
  if (existsSync(linkPath) && !lstatSync(linkPath).isSymbolicLink()) {
    throw new NativeBuildError(`${relative(root, linkPath)} is already installed (by npm, not by this script)`, 'the engine can use it as it is; remove it first to build from a wheel');
  }
  console.log(`      node ${process.version}, headers in ${nodedir}/include/node, node-gyp ${nodeGyp}`);
  return { nodedir, nodeGyp, strip: has('strip') };
}

async function fetchWheel(): Promise<string> {
  await mkdir(wheelCache, { recursive: true });
  const r = await run('pip3', ['download', '--no-deps', '--only-binary=:all:', '--dest', wheelCache, 'tensorflow-cpu'], { echo: true });
  const saved = [...r.output.matchAll(/(?:Saved|File was already downloaded) (\S+\.whl)/g)].map((m) => m[1]!);
  const wheel = saved.at(-1);
  if (r.code !== 0 || !wheel) {
    throw new NativeBuildError(
      `pip could not get a tensorflow-cpu wheel (pip exited with ${r.code})`,
      "without one there is no native backend on this machine; the engine stays on wasm (pip's index: `pip3 config list`)",
    );
  }
  const path = resolve(root, wheel);
  console.log(`      wheel: ${relative(root, path)} (${(statSync(path).size / 1e6).toFixed(0)} MB)`);
  return path;
}

async function installPackage(prefix: string) {
  const r = await run('npm', ['install', '--ignore-scripts', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', prefix, `@tensorflow/tfjs-node@${TFJS_NODE_VERSION}`]);
  if (r.code !== 0 || !existsSync(join(builtPackage(prefix), 'binding.gyp'))) {
    throw new NativeBuildError(`npm could not install @tensorflow/tfjs-node@${TFJS_NODE_VERSION}:\n${tail(r.output)}`);
  }
}

/** Extracts the two libraries and the C API headers the binding needs (python's zipfile: pip implies python). */
async function unpackWheel(wheel: string, pkg: string) {
  const script = String.raw`
import os, re, sys, zipfile
wheel, lib, inc = sys.argv[1:4]
headers = re.compile(r'^tensorflow/include/((tensorflow/c/[^/]+\.h)|(tensorflow/c/eager/c_api\.h)|(.*/ctstring[^/]*\.h)|(.*xla/tsl/c/tsl_status\.h))$')
libs = {'tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'}
found = set()
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        m = headers.match(name)
        if name in libs:
            dest = os.path.join(lib, os.path.basename(name))
        elif m:
            dest = os.path.join(inc, m.group(1))
        else:
            continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(name) as src, open(dest, 'wb') as out:
            while True:
                chunk = src.read(1 << 22)
                if not chunk:
                    break
                out.write(chunk)
        found.add(name if name in libs else 'header')
missing = sorted(libs - found)
if missing or 'header' not in found:
    sys.exit('the wheel lacks: ' + ', '.join(missing or ['the C API headers']))
version = [n for n in zipfile.ZipFile(wheel).namelist() if re.match(r'^tensorflow_cpu-[^/]+\.dist-info/METADATA$', n)]
print(version[0].split('-')[1].replace('.dist', '') if version else 'unknown')
`;
  const lib = join(pkg, 'deps/lib');
  const inc = join(pkg, 'deps/include');
  const r = await run('python3', ['-c', script, wheel, lib, inc]);
  if (r.code !== 0) throw new NativeBuildError(`could not unpack ${relative(root, wheel)}:\n${tail(r.output)}`);
  await symlink('libtensorflow_cc.so.2', join(lib, 'libtensorflow.so'));
  await symlink('libtensorflow_framework.so.2', join(lib, 'libtensorflow_framework.so'));
  const tfVersion = r.output.trim().split('\n').at(-1) ?? 'unknown';
  const headerCount = countFiles(inc);
  console.log(`      TensorFlow ${tfVersion}: 2 libraries, ${headerCount} headers`);
  return tfVersion;
}

function countFiles(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? countFiles(join(dir, e.name)) : 1), 0);
}

async function buildBinding(pkg: string, tools: Tools, prefix: string): Promise<string> {
  const preGyp = join(prefix, 'node_modules/@mapbox/node-pre-gyp/bin/node-pre-gyp');
  const r = await run(process.execPath, [preGyp, 'rebuild', '--build-from-source', '--build-latest-napi-version-only', `--nodedir=${tools.nodedir}`], {
    cwd: pkg,
    env: { ...process.env, npm_config_node_gyp: tools.nodeGyp },
  });
  const libDir = join(pkg, 'lib');
  const binding = existsSync(libDir)
    ? readdirSync(libDir)
        .map((d) => join(libDir, d, 'tfjs_binding.node'))
        .find((p) => existsSync(p))
    : undefined;
  if (r.code !== 0 || !binding) throw new NativeBuildError(`node-pre-gyp could not build the binding:\n${tail(r.output, 25)}`);
  await rm(join(pkg, 'build'), { recursive: true, force: true });
  console.log(`      ${relative(pkg, binding)}`);
  return binding;
}

async function finishPackage(pkg: string, binding: string, prefix: string, tools: Tools) {
  if (tools.strip) {
    const files = [join(pkg, 'deps/lib/libtensorflow_cc.so.2'), join(pkg, 'deps/lib/libtensorflow_framework.so.2'), binding];
    const r = await run('strip', ['--strip-unneeded', ...files]);
    if (r.code !== 0) throw new NativeBuildError(`strip failed:\n${tail(r.output)}`);
  } else {
    console.log('      strip not found: libraries left unstripped (larger on disk, same behaviour)');
  }
  // One engine: the package's @tensorflow/* dependencies become links to the project's copies.
  const scope = join(prefix, 'node_modules/@tensorflow');
  const linked: string[] = [];
  for (const name of readdirSync(scope)) {
    if (name === 'tfjs-node') continue;
    const ours = join(root, 'node_modules/@tensorflow', name);
    if (!existsSync(ours)) continue;
    await rm(join(scope, name), { recursive: true, force: true });
    await symlink(relative(scope, ours), join(scope, name));
    linked.push(name);
  }
  if (!linked.includes('tfjs') || !linked.includes('tfjs-core')) throw new NativeBuildError('could not link @tensorflow/tfjs and tfjs-core to the project\'s copies');
  const mb = Number(spawnSync('du', ['-sm', prefix], { encoding: 'utf8' }).stdout.split('\t')[0]);
  console.log(`      linked to the project's copies: @tensorflow/{${linked.join(',')}}; ${mb} MB on disk`);
}

type Saved = { link: string | null; previousInstall: string | null };

/** Moves the staged prefix into place and links it; returns what to restore on failure. */
async function install(staging: string | null): Promise<Saved> {
  const saved: Saved = { link: existsSync(linkPath) || isLink(linkPath) ? readlinkSync(linkPath) : null, previousInstall: null };
  if (staging) {
    if (existsSync(installDir)) {
      saved.previousInstall = `${installDir}-previous-${process.pid}`;
      await rename(installDir, saved.previousInstall);
    }
    await rename(staging, installDir);
  }
  if (isLink(linkPath)) await unlink(linkPath);
  await mkdir(dirname(linkPath), { recursive: true });
  await symlink(relative(dirname(linkPath), builtPackage(installDir)), linkPath);
  console.log(`      ${relative(root, linkPath)} → ${relative(dirname(linkPath), builtPackage(installDir))}`);
  return saved;
}

function isLink(path: string) {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

async function rollback(saved: Saved, installedFresh: boolean) {
  if (isLink(linkPath)) await unlink(linkPath);
  if (saved.link) await symlink(saved.link, linkPath);
  if (installedFresh) {
    await rm(installDir, { recursive: true, force: true });
    if (saved.previousInstall) await rename(saved.previousInstall, installDir);
  }
}

/** Runs the check in a fresh process (this file with --check): a native crash cannot take the script down. */
async function parityCheck(): Promise<string> {
  // TensorFlow's start-up notices (absl, oneDNN, CPU features) are not for this output.
  const notice = /^(WARNING: All log messages before absl|[IW]\d{4} [\d:.]+ +\d+ \w+\.cc:\d+\]|To enable the following instructions)/;
  const r = await run(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--check'], {
    echo: (line) => !notice.test(line),
    env: { TF_CPP_MIN_LOG_LEVEL: '2', ...process.env },
  });
  if (r.code !== 0) throw new NativeBuildError(`the native backend did not pass its check (exit ${r.code})${r.output.includes('RESULT') ? '' : `:\n${tail(r.output)}`}`);
  return r.output.match(/RESULT (.*)/)?.[1] ?? '';
}

/** The check itself: the engine must pick `tensorflow`, and match wasm on gradients, logits and greedy text. */
async function check() {
  const tf = await import('@tensorflow/tfjs');
  const { selectBackend } = await import('../engine/backend/selectBackend.ts');
  const { initialWeights, modelPresets, paramSpecs } = await import('../engine/model/config.ts');
  const { createTrainer } = await import('../engine/train/createTrainer.ts');
  const { createTransformer } = await import('../engine/model/transformer.ts');
  const { createDecoder } = await import('../engine/model/decoder.ts');
  const { generateBatch } = await import('../engine/serve/generate.ts');
  const { createByteTokenizer } = await import('../engine/tokenizer/byteTokenizer.ts');

  const chosen = await selectBackend({ tf });
  if (chosen.name !== 'tensorflow') {
    console.log(`RESULT FAIL: the engine selected ${chosen.name}, not tensorflow (${chosen.skipped.map((s) => `${s.candidate}: ${s.reason}`).join('; ')})`);
    process.exit(1);
  }
  const config = modelPresets.bench;
  // Random weights with the matrices scaled up: peaked logits, so greedy choices are not near-ties.
  const weights = initialWeights(config, 7);
  for (const p of paramSpecs(config)) if (p.init === 'normal') for (let i = p.offset; i < p.offset + p.size; i++) weights[i]! *= 12;
  const B = 4;
  const T = config.contextLength;
  const text = new TextEncoder().encode('Q: How long do refunds take?\nA: Refunds arrive within 5 business days. '.repeat(8));
  const inputs = Int32Array.from({ length: B * T }, (_, i) => text[(i * 7) % (text.length - 1)]!);
  const targets = Int32Array.from({ length: B * T }, (_, i) => text[((i * 7) % (text.length - 1)) + 1]!);
  // Generations compared token for token: one character per token id (UTF-8 decoding would merge bytes).
  const bytes = createByteTokenizer();
  const tokenizer = { ...bytes, decode: (tokens: ArrayLike<number>) => Array.from(tokens, (t) => String.fromCharCode(t)).join('') };
  const prompts = ['Q: How long do refunds take?\nA:', 'Q: Can I cancel?\nA:'].map((p) => bytes.encode(p));

  const measure = () => {
    const trainer = createTrainer(tf, { config, state: { weights, step: 0 } });
    const { loss, grad } = trainer.gradient({ inputs, targets, B, T });
    trainer.dispose();
    const model = createTransformer(tf, config);
    const logits = tf.tidy(() => model.logits(model.views(tf.tensor1d(weights)), tf.tensor1d(inputs.subarray(0, T), 'int32'), 1, T).dataSync() as Float32Array);
    model.dispose();
    const decoder = createDecoder(tf, config, weights);
    const texts = generateBatch(decoder, tokenizer, prompts.map((prompt) => ({ prompt, options: { temperature: 0, maxTokens: 24, ignoreEnd: true } }))).map((g) => g.text);
    decoder.dispose();
    return { loss, grad, logits, texts };
  };
  const started = performance.now();
  const native = measure();
  const nativeMs = performance.now() - started;
  await selectBackend({ tf }, { candidates: ['wasm'] });
  const wasm = measure();
  const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
  const gradRel = maxDiff(native.grad, wasm.grad) / maxAbs(wasm.grad);
  const logitDiff = maxDiff(native.logits, wasm.logits);
  const sameText = native.texts.every((t, i) => t === wasm.texts[i]);
  console.log(`gradients (${native.grad.length} values): max |Δ| = ${maxDiff(native.grad, wasm.grad).toExponential(2)}, relative to max |g| ${gradRel.toExponential(2)}`);
  console.log(`loss: tensorflow ${native.loss.toFixed(6)}, wasm ${wasm.loss.toFixed(6)}; logits max |Δ| = ${logitDiff.toExponential(2)}`);
  console.log(`greedy generations identical: ${sameText ? 'yes' : `NO (${JSON.stringify(native.texts)} vs ${JSON.stringify(wasm.texts)})`}; native check took ${(nativeMs / 1000).toFixed(1)} s`);
  const ok = gradRel < 1e-4 && Math.abs(native.loss - wasm.loss) < 1e-4 && logitDiff < 1e-3 && sameText;
  console.log(`RESULT ${ok ? 'PASS' : 'FAIL'}: gradient parity with wasm ${gradRel.toExponential(2)} (relative), logits ${logitDiff.toExponential(2)}, generations ${sameText ? 'identical' : 'differ'}`);
  process.exit(ok ? 0 : 1);
}

async function main() {
  const rebuild = process.argv.includes('--rebuild');
  console.log(`engine:native — TensorFlow.js native backend (@tensorflow/tfjs-node ${TFJS_NODE_VERSION}) from a tensorflow-cpu wheel, offline`);
  // A fixed name: what an interrupted run left behind is removed by the next one.
  const staging = `${installDir}-staging`;
  let saved: Saved | null = null;
  let fresh = false;
  try {
    const tools = await step('checking tools', checkTools);
    const stamp = existsSync(stampFile(installDir)) ? (JSON.parse(await readFile(stampFile(installDir), 'utf8')) as { wheel: string; tensorflow: string; tfjsNode: string }) : null;
    const reuse = !rebuild && stamp?.tfjsNode === TFJS_NODE_VERSION && existsSync(join(builtPackage(installDir), 'deps/lib/libtensorflow_cc.so.2'));
    let built = stamp;
    if (reuse) {
      for (const title of ['fetching the wheel', 'installing the package', 'unpacking the C API', 'building the binding', 'stripping and linking']) {
        skipStep(title, `already built from ${stamp!.wheel} in ${relative(root, installDir)} (--rebuild to redo)`);
      }
    } else {
      const wheel = await step('fetching a tensorflow-cpu wheel with pip3 (274 MB for 2.21)', fetchWheel);
      await rm(staging, { recursive: true, force: true });
      await step(`npm install --ignore-scripts @tensorflow/tfjs-node@${TFJS_NODE_VERSION} (staging prefix)`, () => installPackage(staging));
      const pkg = builtPackage(staging);
      const tensorflow = await step('unpacking libtensorflow_cc / libtensorflow_framework and the C API headers', () => unpackWheel(wheel, pkg));
      const binding = await step('building the binding with node-pre-gyp (≈ 20 s of CPU)', () => buildBinding(pkg, tools, staging));
      await step('stripping; linking @tensorflow/* to the project\'s copies', () => finishPackage(pkg, binding, staging, tools));
      built = { wheel: relative(root, wheel), tensorflow, tfjsNode: TFJS_NODE_VERSION };
      await writeFile(stampFile(staging), `${JSON.stringify(built, null, 2)}\n`);
      fresh = true;
    }
    saved = await step(`installing into ${relative(root, installDir)} and linking ${relative(root, linkPath)}`, () => install(fresh ? staging : null));
    const result = await step('checking the native backend against wasm (gradients, logits, greedy generations)', parityCheck);
    if (saved.previousInstall) await rm(saved.previousInstall, { recursive: true, force: true });
    console.log(`\nengine:native: OK — backend "tensorflow" (TensorFlow ${built?.tensorflow ?? '?'} C API, tfjs-node ${TFJS_NODE_VERSION}) is installed and selected first by the engine.`);
    console.log(`  ${result}`);
    console.log('  `npm ci` / `npm install` remove the link node_modules/@tensorflow/tfjs-node; rerun `npm run engine:native` to restore it (no rebuild).');
  } catch (error) {
    if (saved) await rollback(saved, fresh).catch((e: unknown) => console.error(`      rollback failed: ${String(e)}`));
    const e = error instanceof NativeBuildError ? error : new NativeBuildError(error instanceof Error ? (error.stack ?? error.message) : String(error));
    console.error(`\nengine:native: FAILED at step ${stepNumber}/${totalSteps} — ${e.message}`);
    if (e.hint) console.error(`  ${e.hint}`);
    console.error('  Nothing was changed (a downloaded wheel stays cached in .caravan/native-wheels/): the engine keeps the backends it had.');
    process.exitCode = 1;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

if (process.argv.includes('--check')) await check();
else await main();
