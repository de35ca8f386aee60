/**
 * `npm run engine:pretrain` — trains the shipped base model on engine/corpus and writes
 * engine/checkpoints/base.ckpt (weights only, ~1.9 MB). Resumable: the full training state
 * (weights, Adam moments, data cursor) is saved under .caravan/engine/ every 50 steps, and a
 * rerun continues from it.
 *
 * Options: --steps N (default 1200)  --minutes M (stop after M minutes, default 10)
 *          --batch B (8)  --lr X (2e-3)  --out PATH  --fresh (ignore saved state)
 *          --workers W (data-parallel threads, default: one per core)
 */
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend/selectBackend.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../checkpoint/format.ts';
import { createFsCheckpointStore } from '../checkpoint/store.ts';
import { architectureFingerprint, modelPresets, paramCount } from '../model/config.ts';
import { createByteTokenizer } from '../tokenizer/byteTokenizer.ts';
import { createBatchSource } from '../train/batches.ts';
import { createTrainer } from '../train/createTrainer.ts';
import { createParallelTrainer, type TrainerLike } from '../train/createParallelTrainer.ts';
import { runTraining } from '../train/runTraining.ts';
import { renderLossPlot } from '../plot/renderLossPlot.ts';
import { createProgressReporter } from './progressLine.ts';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '1200' },
    minutes: { type: 'string', default: '10' },
    batch: { type: 'string', default: '8' },
    lr: { type: 'string', default: '2e-3' },
    out: { type: 'string', default: join(here, '..', 'checkpoints', 'base.ckpt') },
    state: { type: 'string', default: '.caravan/engine' },
    fresh: { type: 'boolean', default: false },
    workers: { type: 'string', default: String(availableParallelism()) },
  },
});

/** The corpus: every Markdown file in engine/corpus except the licence list; caravan.md weighted ×8 (it teaches the Q/A chat format). */
async function loadCorpus(): Promise<string[]> {
  const dir = join(here, '..', 'corpus');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.md') && f !== 'SOURCES.md').sort();
  const docs: string[] = [];
  for (const f of files) {
    const text = await readFile(join(dir, f), 'utf8');
    const copies = f === 'caravan.md' ? 8 : 1;
    for (let i = 0; i < copies; i++) docs.push(text);
  }
  return docs;
}

const backend = await selectBackend({ tf });
console.log(`backend: ${backend.name}${backend.skipped.length ? ` (skipped: ${backend.skipped.map((s) => `${s.candidate}: ${s.reason}`).join('; ')})` : ''}`);
const config = modelPresets.base;
const totalSteps = Number(values.steps);
const B = Number(values.batch);
const deadline = Date.now() + Number(values.minutes) * 60_000;
const tokens = createByteTokenizer().encode((await loadCorpus()).join('\0') + '\0');
const source = createBatchSource(tokens, { B, T: config.contextLength, seed: 7 });
const store = createFsCheckpointStore({ dir: values.state! });
const stateKey = 'pretrain-base';
const saved = values.fresh ? null : await store.load(stateKey);
const resume = saved ? decodeCheckpoint(saved, { config, key: stateKey }) : null;
console.log(`corpus: ${tokens.length} bytes; model: ${paramCount(config)} parameters; ${resume ? `resuming at step ${resume.cursor.step}` : 'fresh start'}`);
const trainerParams = {
  config,
  state: resume ? { weights: resume.weights, m: resume.m, v: resume.v, step: resume.optimizerStep } : undefined,
  adam: { learningRate: Number(values.lr), warmupSteps: 50 },
  seed: 7,
};
const workers = Number(values.workers);
const trainer: TrainerLike = workers > 1 ? await createParallelTrainer({ ...trainerParams, workers }) : createTrainer(tf, trainerParams);
console.log(`training on ${workers > 1 ? `${workers} data-parallel worker threads` : 'this thread'}`);
const losses = resume ? [...resume.losses] : [];
const fingerprint = architectureFingerprint(config);
const snapshot = async (step: number, withOptimizer: boolean) => {
  const s = await trainer.state();
  return encodeCheckpoint({
    fingerprint,
    config,
    tokenizer: 'bytes-v1',
    cursor: { step, totalSteps, epoch: source.epochOf(Math.max(0, step - 1)) + 1, seed: 7 },
    losses,
    info: { corpusBytes: tokens.length, kind: withOptimizer ? 'pretrain-state' : 'base' },
    createdAt: new Date().toISOString(),
    weights: s.weights,
    ...(withOptimizer ? { m: s.m, v: s.v } : {}),
    optimizerStep: s.step,
  });
};
const controller = new AbortController();
const progress = createProgressReporter();
let lastStep = resume?.cursor.step ?? 0;
try {
  await runTraining({
    trainer,
    source,
    startStep: lastStep,
    totalSteps,
    losses,
    checkpointEvery: 50,
    checkpoint: async (step) => store.save(stateKey, await snapshot(step, true)),
    signal: controller.signal,
    onProgress: (p) => {
      lastStep = p.step;
      if (Date.now() > deadline) controller.abort(new Error('time budget reached'));
      const recent = losses.slice(-10);
      progress.update(p, recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length));
    },
  });
  await store.save(stateKey, await snapshot(totalSteps, true));
  progress.done();
} catch (error) {
  progress.done();
  if ((error as Error).name !== 'AbortedError') throw error;
  console.log(`stopped at step ${lastStep} (time budget); rerun to continue`);
}
// The loss curve, as a picture next to the training state.
const plotFile = join(values.state!, 'pretrain-loss.png');
await mkdir(values.state!, { recursive: true });
await writeFile(plotFile, renderLossPlot(losses, { title: 'Base model pre-training loss' }));
console.log(`loss curve: ${plotFile}`);
await mkdir(dirname(values.out!), { recursive: true });
await writeFile(values.out!, await snapshot(lastStep, false));
console.log(`wrote ${values.out} (step ${lastStep}, last loss ${losses.at(-1)?.toFixed(3)})`);
await trainer.dispose();
