/**
 * `npm run bench:engine` — the engine against the identical model in torch, same machine, one run.
 *
 * For each model (the issue's 2-layer d=128 4-head context-64 config, and the shipped base config)
 * it measures training tokens/s (Adam, same batch) and serving tokens/s at batch 1 and 16 (prefill,
 * then KV-cached decoding; torch under inference_mode, faster of 1 and 2 threads). The engine side
 * uses what the engine uses in production: data-parallel training over worker threads and the
 * serving worker pool (one tfjs wasm instance per core). Single-thread tfjs numbers are shown too.
 *
 * Options: --seconds S (per measurement, default 6)  --quick (bench config only)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../engine/backend/selectBackend.ts';
import { modelPresets, paramCount, type ModelConfig } from '../engine/model/config.ts';
import { benchServeLocal, benchServePool, benchTrainLocal, benchTrainParallel, type ServeShape } from './engine/measure.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '6' }, quick: { type: 'boolean', default: false } } });
const seconds = Number(values.seconds);
const cores = availableParallelism();

type Row = { model: string; metric: string; ours: number; oursHow: string; torch: number | null; torchHow: string };
const rows: Row[] = [];

const backend = await selectBackend({ tf });
console.log(`backend: ${backend.name} (${Object.entries(backend.features).map(([k, v]) => `${k}=${v}`).join(', ')}); skipped: ${backend.skipped.map((s) => `${s.candidate} (${s.reason})`).join(', ') || 'none'}; cores: ${cores}`);

const models: Array<{ name: string; config: ModelConfig; trainBatch: number; serve: ServeShape }> = [
  { name: 'bench 2L d128 ctx64', config: modelPresets.bench, trainBatch: 16, serve: { promptLen: 16, genTokens: 48 } },
];
if (!values.quick) models.push({ name: 'base 2L d128 ctx256', config: modelPresets.base, trainBatch: 8, serve: { promptLen: 32, genTokens: 96 } });

// ---- torch side (run first, while nothing of ours holds a core) ----
const torchPython = findTorchPython();
let torchResults: Map<string, { tokPerSec: number; threads: number }> | null = null;
let torchVersion = '';
if (torchPython.python) {
  const spec = {
    seconds,
    jobs: models.flatMap((m, i) => [
      { id: `${i}:train`, kind: 'train', batch: m.trainBatch, config: m.config },
      { id: `${i}:serve1`, kind: 'serve', batch: 1, ...m.serve, config: m.config },
      { id: `${i}:serve16`, kind: 'serve', batch: 16, ...m.serve, config: m.config },
    ]),
  };
  const script = fileURLToPath(new URL('./engine/torch_bench.py', import.meta.url));
  const r = spawnSync(torchPython.python, [script, JSON.stringify(spec)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status === 0) {
    const parsed = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { torch: string; results: Array<{ id: string; tokPerSec: number; threads: number }> };
    torchVersion = parsed.torch;
    torchResults = new Map(parsed.results.map((x) => [x.id, x]));
  } else {
    console.log(`torch: skipped (the torch script failed: ${(r.stderr || r.error?.message || '').trim().split('\n').at(-1)})`);
  }
} else {
  console.log(`torch: skipped (${torchPython.reason})`);
}
if (torchResults) console.log(`torch: ${torchVersion} via ${torchPython.python}, BLAS: ${torchPython.blas}`);

// ---- engine side ----
for (const [i, m] of models.entries()) {
  const t = (k: string) => torchResults?.get(`${i}:${k}`) ?? null;
  const how = (k: string) => {
    const x = t(k);
    return x ? `${x.threads} thread${x.threads > 1 ? 's' : ''}` : '-';
  };
  console.log(`\n${m.name}: ${paramCount(m.config)} parameters; measuring…`);
  const trainLocal = await benchTrainLocal(tf, m.config, m.trainBatch, seconds);
  const trainPar = cores > 1 ? await benchTrainParallel(m.config, m.trainBatch, seconds, cores) : null;
  const bestTrain = trainPar && trainPar > trainLocal ? { v: trainPar, how: `${cores} workers, data-parallel` } : { v: trainLocal, how: '1 thread' };
  rows.push({ model: m.name, metric: `train tok/s (batch ${m.trainBatch}×${m.config.contextLength})`, ours: bestTrain.v, oursHow: bestTrain.how, torch: t('train')?.tokPerSec ?? null, torchHow: how('train') });
  rows.push({ model: m.name, metric: '  train, tfjs 1 thread', ours: trainLocal, oursHow: '1 thread', torch: null, torchHow: '' });
  for (const batch of [1, 16]) {
    const local = await benchServeLocal(tf, m.config, batch, m.serve, seconds);
    const pool = batch > 1 && cores > 1 ? await benchServePool(m.config, batch, m.serve, seconds, cores) : null;
    const best = pool && pool > local ? { v: pool, how: `pool of ${cores} workers` } : { v: local, how: '1 thread' };
    rows.push({ model: m.name, metric: `serve tok/s batch ${batch} (KV cache)`, ours: best.v, oursHow: best.how, torch: t(`serve${batch}`)?.tokPerSec ?? null, torchHow: how(`serve${batch}`) });
    if (pool) rows.push({ model: m.name, metric: `  serve batch ${batch}, tfjs 1 thread`, ours: local, oursHow: '1 thread', torch: null, torchHow: '' });
  }
}

// ---- report ----
const fmt = (x: number | null) => (x === null ? '-' : Math.round(x).toLocaleString('en-US'));
const header = ['model', 'metric', 'caravan (tfjs)', 'how', 'torch', 'how', 'ratio'];
const table = rows.map((r) => [r.model, r.metric, fmt(r.ours), r.oursHow, fmt(r.torch), r.torchHow, r.torch ? (r.ours / r.torch).toFixed(2) : '']);
const widths = header.map((h, c) => Math.max(h.length, ...table.map((r) => r[c]!.length)));
const line = (cells: string[]) => cells.map((x, c) => (c >= 2 && c !== 3 && c !== 5 ? x.padStart(widths[c]!) : x.padEnd(widths[c]!))).join('  ');
console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
for (const r of table) console.log(line(r));
console.log(`\nbackend: ${backend.name}`);
const head = rows[0]!;
const serve16 = rows.find((r) => r.model === head.model && r.metric.startsWith('serve tok/s batch 16'))!;
console.log(`train tok/s ratio vs torch: ${head.torch ? (head.ours / head.torch).toFixed(2) : 'n/a (torch skipped)'}`);
console.log(`serve tok/s ratio vs torch: ${serve16.torch ? (serve16.ours / serve16.torch).toFixed(2) : 'n/a (torch skipped)'}`);

/**
 * A python3 that imports torch. If none, installs Debian's python3-torch (root + apt only); and
 * makes sure torch's BLAS is OpenBLAS rather than the reference BLAS (a strong, fair baseline).
 */
function findTorchPython(): { python: string | null; reason: string; blas: string } {
  const candidates = ['/usr/bin/python3', 'python3'];
  const hasTorch = (py: string) => spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  let python = candidates.find(hasTorch) ?? null;
  const canApt = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  const apt = (pkgs: string[]) => {
    console.log(`installing ${pkgs.join(' ')} with apt-get…`);
    spawnSync('apt-get', ['update'], { stdio: 'ignore', timeout: 300_000 });
    return spawnSync('apt-get', ['install', '-y', ...pkgs], { stdio: 'ignore', timeout: 900_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  };
  if (!python) {
    if (!canApt) return { python: null, reason: 'torch is not installed and apt-get is not available to install python3-torch', blas: '' };
    if (!apt(['python3-torch', 'libopenblas0-pthread']) || !hasTorch('/usr/bin/python3')) return { python: null, reason: 'apt-get could not install python3-torch', blas: '' };
    python = '/usr/bin/python3';
  }
  let blas = 'unknown';
  try {
    blas = execFileSync('readlink', ['-f', '/usr/lib/x86_64-linux-gnu/libblas.so.3'], { encoding: 'utf8' }).trim();
  } catch {}
  if (/\/blas\/libblas\.so/.test(blas) && canApt && apt(['libopenblas0-pthread'])) {
    blas = execFileSync('readlink', ['-f', '/usr/lib/x86_64-linux-gnu/libblas.so.3'], { encoding: 'utf8' }).trim();
  }
  return { python, reason: '', blas: blas.includes('openblas') ? `OpenBLAS (${blas})` : `reference BLAS (${blas}) — a weak baseline` };
}
