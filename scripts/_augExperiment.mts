// Experiment (issue 11, model gain): does fine-tuning on question paraphrases made with the word
// vectors (engine/finetune/augmentQuestions.ts) let the model's PMI rank the right row of an eval
// set's paraphrased questions? Fine-tunes from engine/checkpoints/base.ckpt the way finetune.ts
// does (same held-out rows left out, same trainer, batches and Adam settings), on the rows'
// documents plus their synthetic paraphrases — never on questions.jsonl, which is only read to score.
// Writes weights snapshots to .caravan/augcache/ and a feature dump (the format of the lead's
// scripts/_evdump2.mts, for /tmp/ev/an2.py) to /tmp/aug/.
//
//   npx tsx scripts/_augExperiment.mts <set> <steps> <perRow: 0 = plain fine-tune> [scoreAt=50,100,…] [copies=1]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../engine/backend/selectBackend.ts';
import { decodeCheckpoint } from '../engine/checkpoint/format.ts';
import { augmentQuestions, shuffledCopies } from '../engine/finetune/augmentQuestions.ts';
import { heldOutDocuments } from '../engine/finetune/heldOutLoss.ts';
import { parseDatasets } from '../engine/finetune/parseDatasets.ts';
import { createRetriever } from '../engine/retrieval/createRetriever.ts';
import { sharedWordVectors } from '../engine/retrieval/wordVectors.ts';
import { createAnswerScorer } from '../engine/serve/answerScorer.ts';
import { answerTextOf } from '../engine/serve/rankAnswers.ts';
import { createByteTokenizer } from '../engine/tokenizer/byteTokenizer.ts';
import { createBatchSource, type BatchSource } from '../engine/train/batches.ts';
import { mulberry32 } from '../engine/model/config.ts';
import { createTrainer } from '../engine/train/createTrainer.ts';
import { runTraining } from '../engine/train/runTraining.ts';
import type { Tf } from '../engine/types.ts';

const [setName = 'bike-shop', stepsArg = '200', perRowArg = '8', scoreAtArg, copiesArg = '1'] = process.argv.slice(2);
// Differently shuffled copies of the documents in the training stream (see shuffledCopies); "docs":
// document-aligned windows, each filled with documents drawn at random per step (see documentBatches).
const aligned = copiesArg === 'docs';
const copies = aligned ? 1 : Number(copiesArg);
const steps = Number(stepsArg);
const perRow = Number(perRowArg);
const scoreAt = (scoreAtArg ?? String(steps)).split(',').map(Number);
const seed = 1;
const root = new URL('../', import.meta.url);
const cacheDir = new URL('.caravan/augcache/', root);
mkdirSync(cacheDir, { recursive: true });
mkdirSync('/tmp/aug', { recursive: true });
const T_ = tf as unknown as Tf;
await selectBackend({ tf: T_ }, { candidates: ['wasm'] });

const setDir = new URL(`engine/eval/sets/${setName}/`, root);
const set = JSON.parse(readFileSync(new URL('set.json', setDir), 'utf8')) as { datasets: Array<{ file: string; format: 'csv' | 'jsonl'; name: string }> };
const ds = set.datasets.map((x, i) => ({ id: `d${i}`, name: x.name, format: x.format, text: readFileSync(new URL(x.file, setDir), 'utf8') }));
const parsed = parseDatasets(ds);
const base = decodeCheckpoint(new Uint8Array(readFileSync(new URL('engine/checkpoints/base.ckpt', root))));
const config = base.config;
const tokenizer = createByteTokenizer();
const vectors = sharedWordVectors();

// Training documents: as finetune.ts (held-out rows left out), plus paraphrases of the kept rows.
const held = heldOutDocuments(parsed.documents.length);
const kept = parsed.documents.flatMap((doc, i) => (held.has(i) ? [] : [{ doc, passage: parsed.passages[i]! }]));
const rows = kept.flatMap(({ passage: p }) => (p.question && p.answer ? [{ question: p.question, answer: p.answer }] : []));
const extra = perRow > 0 ? augmentQuestions(vectors, rows, { perRow, seed }) : [];
const docs = perRow > 0 || copies > 1 ? shuffledCopies([...kept.map((k) => k.doc), ...extra], copies, seed) : kept.map((k) => k.doc);
const tokens = tokenizer.encode(docs.join('\0') + '\0');
console.log(`${setName}: ${kept.length} rows kept (${held.size} held out), ${extra.length} paraphrase documents, ${tokens.length} training bytes`);

/**
 * Windows that start where a document starts (END, then "Q: …"), as the scorer's prompts do, each
 * filled with documents drawn at random for this step: no fixed neighbours to memorise, so the
 * question is the only cue for the answer. Deterministic in (documents, seed, step).
 */
function documentBatches(encoded: Uint8Array[], p: { B: number; T: number; seed: number }): BatchSource {
  const total = encoded.reduce((a, d) => a + d.length + 1, 0);
  return {
    windows: encoded.length,
    tokens: total,
    epochOf: (step) => Math.floor((step * p.B * p.T) / total),
    batch(step) {
      const rand = mulberry32(p.seed * 1_000_003 + step);
      const inputs = new Int32Array(p.B * p.T);
      const targets = new Int32Array(p.B * p.T);
      for (let b = 0; b < p.B; b++) {
        const buf: number[] = [];
        while (buf.length < p.T + 1) buf.push(tokenizer.endToken, ...encoded[Math.floor(rand() * encoded.length)]!);
        for (let t = 0; t < p.T; t++) {
          inputs[b * p.T + t] = buf[t]!;
          targets[b * p.T + t] = buf[t + 1]!;
        }
      }
      return { inputs, targets, B: p.B, T: p.T };
    },
  };
}

const tag = `${setName}-p${perRow}-s${seed}${copies > 1 ? `-x${copies}` : ''}${aligned ? '-docs' : ''}`;
const snapshotPath = (step: number) => new URL(`${tag}-${step}.f32`, cacheDir);
const lastNeeded = Math.max(...scoreAt);
if (!scoreAt.every((s) => existsSync(snapshotPath(s)))) {
  const trainer = createTrainer(T_, { config, state: { weights: base.weights, step: 0 }, adam: { learningRate: 1e-3, warmupSteps: 10 } });
  const T = Math.min(256, config.contextLength);
  const source = aligned ? documentBatches(docs.map((d) => tokenizer.encode(d)), { B: 8, T, seed }) : createBatchSource(tokens, { B: 8, T, seed });
  const losses: number[] = [];
  const t0 = performance.now();
  await runTraining({
    trainer,
    source,
    startStep: 0,
    totalSteps: lastNeeded,
    losses,
    checkpointEvery: 25,
    checkpoint: async (step) => {
      if (scoreAt.includes(step)) writeFileSync(snapshotPath(step), trainer.state().weights);
      const recent = losses.slice(-25);
      console.log(`step ${step} loss ${(recent.reduce((a, b) => a + b, 0) / recent.length).toFixed(3)} ${Math.round((performance.now() - t0) / 1000)} s`);
    },
  });
  // runTraining checkpoints every 25 steps but not after the last one.
  if (scoreAt.includes(lastNeeded)) writeFileSync(snapshotPath(lastNeeded), trainer.state().weights);
  trainer.dispose();
  console.log(`${tag}: ${lastNeeded} steps in ${Math.round((performance.now() - t0) / 1000)} s, loss ${losses[0]!.toFixed(3)} → ${losses.at(-1)!.toFixed(3)}`);
}

// Score the candidates an2.py looks at (top 8 by BM25 and top 8 by cosine) with each snapshot.
const retriever = createRetriever(parsed.passages, vectors);
const questions = readFileSync(new URL('questions.jsonl', setDir), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { q: string; row?: string });
const K = 8;
const prefixes = [16, 32];
for (const step of scoreAt) {
  const b = readFileSync(snapshotPath(step));
  const weights = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  const scorer = createAnswerScorer(T_, config, weights, tokenizer);
  const t0 = performance.now();
  const out: unknown[] = [];
  for (const q of questions) {
    const hits = retriever.candidates(q.q, 64);
    const top = new Set([
      ...hits.filter((h) => h.bm25 > 0).sort((x, y) => y.bm25 - x.bm25).slice(0, K),
      ...hits.filter((h) => h.cosine > 0).sort((x, y) => y.cosine - x.cosine).slice(0, K),
    ]);
    const chosen = hits.filter((h) => top.has(h));
    const answers = chosen.map((h) => answerTextOf(h.passage));
    const sc = scorer.score(q.q, answers);
    // Also the answers' first bytes only: where a model that knows the rows decides which one it is
    // (the scorer appends "\n" after the cut; it costs about the same with and without the question).
    const cut = Object.fromEntries(prefixes.map((n) => [n, scorer.score(q.q, answers.map((a) => a.slice(0, n)))]));
    const prefixFeatures = (i: number) => Object.fromEntries(prefixes.flatMap((n) => [[`c${n}`, cut[n]![i]!.conditional], [`p${n}`, cut[n]![i]!.prior]]));
    out.push({ set: setName, q: q.q, row: q.row ?? null, cands: chosen.map((h, i) => ({ loc: h.passage.location, bm25: h.bm25, cov: h.coverage, cos: h.cosine, al: h.alignment, ...sc[i], ...prefixFeatures(i) })) });
  }
  scorer.dispose();
  const file = `/tmp/aug/dump-${tag}-${step}.json`;
  writeFileSync(file, JSON.stringify(out));
  console.log(`scored ${questions.length} questions at step ${step} in ${Math.round((performance.now() - t0) / 1000)} s → ${file}`);
}
