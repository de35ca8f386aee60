/**
 * `npm run eval:assistants` — builds an assistant per evaluation set (engine/eval/sets) through the
 * engine the chat uses, asks each set's paraphrased and out-of-scope questions with the whole
 * pipeline and with retrieval alone, and prints a table and four closing lines:
 * `eval top-1`, `eval abstention`, `eval false abstention`, `eval model gain over retrieval`.
 *
 * Options: --sets a,b (default: all)  --misses (list what was answered wrongly)
 *          --keep DIR (keep the fine-tunes in DIR and reuse them on the next run; default: a
 *          temporary folder, removed)  --steps N (fine-tune steps; default: the engine's own rule)
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { createFsCheckpointStore } from '../checkpoint/store.ts';
import { createEngine } from '../createEngine.ts';
import { InvalidRequestError } from '../errors.ts';
import { loadEvalSets } from '../eval/loadEvalSets.ts';
import { formatEvalReport, runEval } from '../eval/runEval.ts';
import { createProgressReporter } from './progressLine.ts';

const { values } = parseArgs({
  options: {
    sets: { type: 'string' },
    misses: { type: 'boolean', default: false },
    keep: { type: 'string' },
    steps: { type: 'string' },
  },
});
const steps = values.steps === undefined ? undefined : Number(values.steps);
if (steps !== undefined && !(Number.isInteger(steps) && steps > 0)) throw new InvalidRequestError('--steps must be a positive integer.');

const sets = await loadEvalSets(undefined, values.sets?.split(',').map((s) => s.trim()).filter(Boolean));
const dir = values.keep ?? (await mkdtemp(join(tmpdir(), 'caravan-eval-')));
await mkdir(dir, { recursive: true });
const engine = await createEngine({ tf, store: createFsCheckpointStore({ dir }) });
const status = engine.status();
console.log(`backend: ${status.backend.name}; sets: ${sets.map((s) => `${s.id} (${s.questions.length} questions)`).join(', ')}`);
const started = Date.now();
const bar = createProgressReporter(process.stdout, 10);
let current = '';
try {
  const result = await runEval(
    { engine },
    {
      sets,
      ...(steps ? { finetune: { minSteps: steps, maxSteps: steps } } : {}),
      onProgress: (p) => {
        if (p.set !== current) {
          current = p.set;
          console.log(`\n${p.set}: fine-tuning`);
        }
        if (p.phase === 'finetune') bar.update(p.progress, p.progress.loss);
        else if (p.done === 1) {
          bar.done();
          console.log(`${p.set}: asking ${p.total} questions twice (whole pipeline, retrieval alone)`);
        }
      },
    },
  );
  console.log(`\n${formatEvalReport(result)}`);
  if (values.misses) {
    for (const s of result.sets) {
      console.log(`\n${s.id}: ${s.misses.length} wrong`);
      for (const m of s.misses) console.log(`  ${JSON.stringify(m.q)}: expected ${m.expected ?? 'no answer'}, got ${m.cited ?? 'no answer'}`);
    }
  }
  console.log(`\n(${Math.round((Date.now() - started) / 1000)} s)`);
} finally {
  await engine.close();
  if (!values.keep) await rm(dir, { recursive: true, force: true });
}
