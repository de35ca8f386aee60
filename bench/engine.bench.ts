/**
 * `npm run bench:engine` — the engine against the identical model in torch, same machine, one run.
 *
 * For each model (the issue's 2-layer d=128 4-head context-64 config, and the shipped base config)
 * it measures training tokens/s (Adam, same batch) and serving tokens/s at batch 1 and 16 (prefill,
 * then KV-cached decoding; torch under inference_mode). The engine side uses what the engine uses in
 * production: data-parallel training over worker threads and the serving worker pool (one tfjs
 * instance per core), and single-thread tfjs; the better of the two is compared. It runs on the
 * backend the engine selects and, when that is `tensorflow` (tfjs-node), on `wasm` as well.
 *
 * torch is the strongest this machine can get: pip's torch in a venv under .caravan/torch-venv
 * (created here with the machine's pip when it can install torch; its configured index is used),
 * else Debian's python3-torch; at the faster of 1 and 2 threads, measured per metric.
 *
 * Each metric is measured for torch and the engine back to back, in two rounds; each side keeps
 * its best round (the machine is shared with other jobs).
 *
 * Options: --seconds S (per measurement, default 4)  --quick (bench config only)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendCandidate } from '../engine/backend/selectBackend.ts';
import { modelPresets, paramCount, type ModelConfig } from '../engine/model/config.ts';
import { opsFlavorFor } from '../engine/model/ops.ts';
import { benchServeLocal, benchServePool, benchTrainLocal, benchTrainParallel, type ServeShape } from './engine/measure.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '4' }, quick: { type: 'boolean', default: false } } });
const seconds = Number(values.seconds);
const cores = availableParallelism();

type Row = { model: string; backend: string; metric: string; ours: number; oursHow: string; torch: number | null; torchHow: string };
const rows: Row[] = [];

const selected = await selectBackend({ tf });
console.log(`backend: ${selected.name} (${Object.entries(selected.features).map(([k, v]) => `${k}=${v}`).join(', ')}); skipped: ${selected.skipped.map((s) => `${s.candidate} (${s.reason})`).join(', ') || 'none'}; cores: ${cores}`);
/** The selected backend first; wasm too when a native backend was selected, for comparison. */
const backends: Array<{ name: string; candidate: BackendCandidate }> = [{ name: selected.name, candidate: selected.candidate }];
if (selected.name !== 'wasm' && selected.name !== 'cpu') backends.push({ name: 'wasm', candidate: 'wasm' });

const models: Array<{ name: string; config: ModelConfig; trainBatch: number; serve: ServeShape }> = [
  { name: 'bench 2L d128 ctx64', config: modelPresets.bench, trainBatch: 16, serve: { promptLen: 16, genTokens: 48 } },
];
if (!values.quick) models.push({ name: 'base 2L d128 ctx256', config: modelPresets.base, trainBatch: 8, serve: { promptLen: 32, genTokens: 96 } });

// ---- torch ----
const root = fileURLToPath(new URL('..', import.meta.url));
const torchPython = findTorchPython();
let torchInfo = '';
let torchBroken: string | null = torchPython.python ? null : torchPython.reason;
const torchScript = fileURLToPath(new URL('./engine/torch_bench.py', import.meta.url));
function torchJob(job: Record<string, unknown>): { tokPerSec: number; threads: number } | null {
  if (torchBroken || !torchPython.python) return null;
  const r = spawnSync(torchPython.python, [torchScript, JSON.stringify({ seconds, jobs: [{ id: 'x', ...job }] })], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) {
    torchBroken = `the torch script failed: ${(r.stderr || r.error?.message || '').trim().split('\n').at(-1)}`;
    return null;
  }
  const parsed = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { torch: string; build: string; results: Array<{ tokPerSec: number; threads: number }> };
  torchInfo = `${parsed.torch} (${parsed.build})`;
  return parsed.results[0] ?? null;
}

// ---- measurements ----
// The machine is shared, so load drifts during a run: each metric is measured for torch and for the
// engine back to back, in two rounds, and each side keeps its best round.
type Best = { v: number; how: string } | null;
const better = (a: Best, b: Best): Best => (!a ? b : !b ? a : b.v > a.v ? b : a);
const threadsLabel = (t: { threads: number } | null) => (t ? `${t.threads} thread${t.threads > 1 ? 's' : ''}` : '-');
/** A worker-thread measurement; one that fails is reported and left out (the single-thread one stands). */
const failures = new Map<string, string>();
async function attempt(what: string, run: () => Promise<number>, how: string): Promise<Best> {
  try {
    return { v: await run(), how };
  } catch (error) {
    failures.set(what, (error as Error)?.message ?? String(error));
    return null;
  }
}
const use = async (b: { candidate: BackendCandidate }) => {
  await selectBackend({ tf }, { candidates: [b.candidate] });
};

for (const m of models) {
  console.log(`${m.name}: ${paramCount(m.config)} parameters; measuring…`);
  let trainTorch: Best = null;
  const train = new Map<string, { best: Best; local: number }>();
  const serveTorch = new Map<number, Best>();
  const serve = new Map<string, { best: Best; local: number }>();
  for (let round = 0; round < 2; round++) {
    const tt = torchJob({ kind: 'train', batch: m.trainBatch, config: m.config });
    trainTorch = better(trainTorch, tt ? { v: tt.tokPerSec, how: threadsLabel(tt) } : null);
    for (const b of backends) {
      await use(b);
      const cur = train.get(b.name) ?? { best: null, local: 0 };
      const local = await benchTrainLocal(tf, m.config, m.trainBatch, seconds);
      cur.local = Math.max(cur.local, local);
      cur.best = better(cur.best, { v: local, how: '1 thread' });
      if (cores > 1) cur.best = better(cur.best, await attempt(`${b.name} data-parallel training`, () => benchTrainParallel(m.config, m.trainBatch, seconds, cores, [b.candidate]), `${cores} workers, data-parallel`));
      train.set(b.name, cur);
    }
    for (const batch of [1, 16]) {
      const ts = torchJob({ kind: 'serve', batch, ...m.serve, config: m.config });
      serveTorch.set(batch, better(serveTorch.get(batch) ?? null, ts ? { v: ts.tokPerSec, how: threadsLabel(ts) } : null));
      for (const b of backends) {
        await use(b);
        const key = `${b.name}/${batch}`;
        const cur = serve.get(key) ?? { best: null, local: 0 };
        const l = await benchServeLocal(tf, m.config, batch, m.serve, seconds);
        cur.local = Math.max(cur.local, l);
        cur.best = better(cur.best, { v: l, how: '1 thread' });
        if (batch > 1 && cores > 1) cur.best = better(cur.best, await attempt(`${b.name} serving pool`, () => benchServePool(m.config, batch, m.serve, seconds, cores, [b.candidate]), `pool of ${cores} workers`));
        serve.set(key, cur);
      }
    }
  }
  for (const b of backends) {
    const t = train.get(b.name)!;
    rows.push({ model: m.name, backend: b.name, metric: `train tok/s (batch ${m.trainBatch}×${m.config.contextLength})`, ours: t.best!.v, oursHow: t.best!.how, torch: trainTorch?.v ?? null, torchHow: trainTorch?.how ?? '-' });
    rows.push({ model: m.name, backend: b.name, metric: '  train, tfjs 1 thread', ours: t.local, oursHow: '1 thread', torch: null, torchHow: '' });
  }
  for (const batch of [1, 16]) {
    for (const b of backends) {
      const r = serve.get(`${b.name}/${batch}`)!;
      const ts = serveTorch.get(batch) ?? null;
      rows.push({ model: m.name, backend: b.name, metric: `serve tok/s batch ${batch} (KV cache)`, ours: r.best!.v, oursHow: r.best!.how, torch: ts?.v ?? null, torchHow: ts?.how ?? '-' });
      if (batch > 1) rows.push({ model: m.name, backend: b.name, metric: `  serve batch ${batch}, tfjs 1 thread`, ours: r.local, oursHow: '1 thread', torch: null, torchHow: '' });
    }
  }
}
await use(selected);
for (const [what, why] of failures) console.log(`${what}: failed (${why}); left out`);
if (torchBroken) console.log(`torch: skipped (${torchBroken})`);
else console.log(`torch: ${torchInfo} via ${torchPython.python} — ${torchPython.source}`);

// ---- report ----
const fmt = (x: number | null) => (x === null ? '-' : Math.round(x).toLocaleString('en-US'));
const header = ['model', 'backend', 'metric', 'caravan (tfjs)', 'how', 'torch', 'how', 'ratio'];
const table = rows.map((r) => [r.model, `${r.backend} (${opsFlavorFor(r.backend)} ops)`, r.metric, fmt(r.ours), r.oursHow, fmt(r.torch), r.torchHow, r.torch ? (r.ours / r.torch).toFixed(2) : '']);
const widths = header.map((h, c) => Math.max(h.length, ...table.map((r) => r[c]!.length)));
const numeric = new Set([3, 5, 7]);
const line = (cells: string[]) => cells.map((x, c) => (numeric.has(c) ? x.padStart(widths[c]!) : x.padEnd(widths[c]!))).join('  ');
console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
for (const r of table) console.log(line(r));
console.log(`\nbackend: ${selected.name}`);
const head = rows.find((r) => r.backend === selected.name)!;
const serve16 = rows.find((r) => r.model === head.model && r.backend === selected.name && r.metric.startsWith('serve tok/s batch 16'))!;
console.log(`train tok/s ratio vs torch: ${head.torch ? (head.ours / head.torch).toFixed(2) : 'n/a (torch skipped)'}`);
console.log(`serve tok/s ratio vs torch: ${serve16.torch ? (serve16.ours / serve16.torch).toFixed(2) : 'n/a (torch skipped)'}`);

/**
 * The strongest torch this machine can get: pip's (a venv under .caravan/torch-venv, created with
 * the machine's pip and its configured index when torch is not there yet), else Debian's
 * python3-torch (installed with apt-get when root), with OpenBLAS rather than the reference BLAS.
 */
function findTorchPython(): { python: string | null; reason: string; source: string } {
  const hasTorch = (py: string) => (py.includes('/') && !existsSync(py) ? false : spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
  const venv = `${root}.caravan/torch-venv`;
  const venvPython = `${venv}/bin/python`;
  if (hasTorch(venvPython)) return { python: venvPython, reason: '', source: "pip's torch (.caravan/torch-venv)" };
  const pipWorks = spawnSync('python3', ['-m', 'pip', '--version'], { stdio: 'ignore' }).status === 0;
  let pipFailure = 'python3 has no pip';
  if (pipWorks) {
    console.log(`installing torch with pip into ${venv} (once; "rm -r .caravan/torch-venv" to redo)…`);
    const mk = spawnSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    // --retries 0: offline machines fall through to their configured local index at once.
    const pip = mk.status === 0 ? spawnSync(`${venv}/bin/pip`, ['install', '--retries', '0', 'torch', 'numpy'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 1_800_000 }) : null;
    if (pip?.status === 0 && hasTorch(venvPython)) return { python: venvPython, reason: '', source: "pip's torch (.caravan/torch-venv, just installed)" };
    pipFailure = `pip could not install torch: ${(pip?.stderr ?? 'python3 -m venv failed').trim().split('\n').at(-1)}`;
    console.log(pipFailure);
  }
  const candidates = ['/usr/bin/python3', 'python3'];
  let python = candidates.find(hasTorch) ?? null;
  const canApt = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  const apt = (pkgs: string[]) => {
    console.log(`installing ${pkgs.join(' ')} with apt-get…`);
    spawnSync('apt-get', ['update'], { stdio: 'ignore', timeout: 300_000 });
    return spawnSync('apt-get', ['install', '-y', ...pkgs], { stdio: 'ignore', timeout: 900_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  };
  if (!python) {
    if (!canApt) return { python: null, reason: `${pipFailure}; apt-get is not available to install python3-torch`, source: '' };
    if (!apt(['python3-torch', 'libopenblas0-pthread']) || !hasTorch('/usr/bin/python3')) return { python: null, reason: `${pipFailure}; apt-get could not install python3-torch`, source: '' };
    python = '/usr/bin/python3';
  }
  let blas = 'unknown';
  try {
    blas = execFileSync('readlink', ['-f', '/usr/lib/x86_64-linux-gnu/libblas.so.3'], { encoding: 'utf8' }).trim();
  } catch {}
  if (/\/blas\/libblas\.so/.test(blas) && canApt && apt(['libopenblas0-pthread'])) {
    blas = execFileSync('readlink', ['-f', '/usr/lib/x86_64-linux-gnu/libblas.so.3'], { encoding: 'utf8' }).trim();
  }
  const blasNote = blas.includes('openblas') ? `OpenBLAS (${blas})` : `reference BLAS (${blas}) — a weak baseline`;
  return { python, reason: '', source: `Debian's torch (${pipFailure}), BLAS: ${blasNote}` };
}
