/**
 * `npm run bench:engine` — the engine against the identical model in torch, same machine, one run.
 *
 * For each model (the issue's 2-layer d=128 4-head context-64 config, and the shipped base config)
 * it measures training tokens/s (Adam, same batch) and serving tokens/s at batch 1 and 16 (prefill,
 * then KV-cached decoding; torch under inference_mode, faster of 1 and 2 threads). The engine side
 * uses what the engine uses in production: data-parallel training over worker threads and the
 * serving worker pool (one tfjs wasm instance per core). Single-thread tfjs numbers are shown too.
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
import { selectBackend } from '../engine/backend/selectBackend.ts';
import { modelPresets, paramCount, type ModelConfig } from '../engine/model/config.ts';
import { benchServeLocal, benchServePool, benchTrainLocal, benchTrainParallel, type ServeShape } from './engine/measure.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '4' }, quick: { type: 'boolean', default: false } } });
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

// ---- measurements ----
// The machine is shared, so load drifts during a run: each metric is measured for torch and for the
// engine back to back, in two rounds, and each side keeps its best round.
const torchPython = findTorchPython();
let torchVersion = '';
let torchBroken: string | null = torchPython.python ? null : torchPython.reason;
const torchScript = fileURLToPath(new URL('./engine/torch_bench.py', import.meta.url));
function torchJob(job: Record<string, unknown>): { tokPerSec: number; threads: number } | null {
  if (torchBroken || !torchPython.python) return null;
  const r = spawnSync(torchPython.python, [torchScript, JSON.stringify({ seconds, jobs: [{ id: 'x', ...job }] })], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) {
    torchBroken = `the torch script failed: ${(r.stderr || r.error?.message || '').trim().split('\n').at(-1)}`;
    return null;
  }
  const parsed = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { torch: string; results: Array<{ tokPerSec: number; threads: number }> };
  torchVersion = parsed.torch;
  return parsed.results[0] ?? null;
}
const better = <T extends { v: number } | null>(a: T, b: T): T => (!a ? b : !b ? a : b.v > a.v ? b : a);
const threadsLabel = (t: { threads: number } | null) => (t ? `${t.threads} thread${t.threads > 1 ? 's' : ''}` : '-');

for (const m of models) {
  console.log(`${m.name}: ${paramCount(m.config)} parameters; measuring…`);
  let trainTorch: { v: number; how: string } | null = null;
  let trainBest: { v: number; how: string } | null = null;
  let trainLocalBest = 0;
  const serve = new Map<number, { torch: { v: number; how: string } | null; best: { v: number; how: string } | null; local: number }>();
  for (let round = 0; round < 2; round++) {
    const tt = torchJob({ kind: 'train', batch: m.trainBatch, config: m.config });
    trainTorch = better(trainTorch, tt ? { v: tt.tokPerSec, how: threadsLabel(tt) } : null);
    const local = await benchTrainLocal(tf, m.config, m.trainBatch, seconds);
    trainLocalBest = Math.max(trainLocalBest, local);
    trainBest = better(trainBest, { v: local, how: '1 thread' });
    if (cores > 1) trainBest = better(trainBest, { v: await benchTrainParallel(m.config, m.trainBatch, seconds, cores), how: `${cores} workers, data-parallel` });
    for (const batch of [1, 16]) {
      const cur = serve.get(batch) ?? { torch: null, best: null, local: 0 };
      const ts = torchJob({ kind: 'serve', batch, ...m.serve, config: m.config });
      cur.torch = better(cur.torch, ts ? { v: ts.tokPerSec, how: threadsLabel(ts) } : null);
      const l = await benchServeLocal(tf, m.config, batch, m.serve, seconds);
      cur.local = Math.max(cur.local, l);
      cur.best = better(cur.best, { v: l, how: '1 thread' });
      if (batch > 1 && cores > 1) cur.best = better(cur.best, { v: await benchServePool(m.config, batch, m.serve, seconds, cores), how: `pool of ${cores} workers` });
      serve.set(batch, cur);
    }
  }
  rows.push({ model: m.name, metric: `train tok/s (batch ${m.trainBatch}×${m.config.contextLength})`, ours: trainBest!.v, oursHow: trainBest!.how, torch: trainTorch?.v ?? null, torchHow: trainTorch?.how ?? '-' });
  rows.push({ model: m.name, metric: '  train, tfjs 1 thread', ours: trainLocalBest, oursHow: '1 thread', torch: null, torchHow: '' });
  for (const [batch, r] of serve) {
    rows.push({ model: m.name, metric: `serve tok/s batch ${batch} (KV cache)`, ours: r.best!.v, oursHow: r.best!.how, torch: r.torch?.v ?? null, torchHow: r.torch?.how ?? '-' });
    if (batch > 1) rows.push({ model: m.name, metric: `  serve batch ${batch}, tfjs 1 thread`, ours: r.local, oursHow: '1 thread', torch: null, torchHow: '' });
  }
}
if (torchBroken) console.log(`torch: skipped (${torchBroken})`);
else console.log(`torch: ${torchVersion} via ${torchPython.python}, BLAS: ${torchPython.blas}`);

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
