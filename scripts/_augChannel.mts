// Experiment (issue 11, model gain), the "noisy channel" direction: fine-tune from base.ckpt on
// documents "A: <answer>\nQ: <question>\n" for each row's question and its synthetic paraphrases
// (engine/finetune/augmentQuestions.ts), plus the rows' usual "Q: …\nA: …" documents, then rank
// candidates by how well each answer explains the asked question: log p(question | "A: answer\nQ: ")
// minus log p(question | "A: \nQ: "), per question byte. Every candidate scores the same bytes (the
// question), so answers' lengths and priors do not enter. Same held-out rows, trainer and Adam
// settings as finetune.ts; questions.jsonl is only read to score. Writes weights snapshots to
// .caravan/augcache/ and a dump (an2.py format plus `ch`, the channel score) to /tmp/aug/.
//
//   npx tsx scripts/_augChannel.mts <set> <perRow> <snapshot steps, e.g. 75,150> [copies=1]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { selectBackend } from '../engine/backend/selectBackend.ts';
import { decodeCheckpoint } from '../engine/checkpoint/format.ts';
import { augmentQuestions, shuffledCopies } from '../engine/finetune/augmentQuestions.ts';
import { heldOutDocuments } from '../engine/finetune/heldOutLoss.ts';
import { parseDatasets } from '../engine/finetune/parseDatasets.ts';
import { createTransformer } from '../engine/model/transformer.ts';
import { createRetriever } from '../engine/retrieval/createRetriever.ts';
import { sharedWordVectors } from '../engine/retrieval/wordVectors.ts';
import { createAnswerScorer } from '../engine/serve/answerScorer.ts';
import { answerTextOf } from '../engine/serve/rankAnswers.ts';
import { createByteTokenizer } from '../engine/tokenizer/byteTokenizer.ts';
import { createBatchSource } from '../engine/train/batches.ts';
import { createTrainer } from '../engine/train/createTrainer.ts';
import { runTraining } from '../engine/train/runTraining.ts';
import type { Tf } from '../engine/types.ts';

const [setName = 'bike-shop', perRowArg = '8', scoreAtArg = '75,150', copiesArg = '1'] = process.argv.slice(2);
// Differently shuffled copies of the documents in the training stream (see shuffledCopies).
const copies = Number(copiesArg);
const perRow = Number(perRowArg);
const scoreAt = scoreAtArg.split(',').map(Number);
const lastNeeded = Math.max(...scoreAt);
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
const C = config.contextLength;
const tokenizer = createByteTokenizer();
const vectors = sharedWordVectors();
const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

const held = heldOutDocuments(parsed.documents.length);
const kept = parsed.documents.flatMap((doc, i) => (held.has(i) ? [] : [{ doc, passage: parsed.passages[i]! }]));
const rows = kept.flatMap(({ passage: p }) => (p.question && p.answer ? [{ question: p.question, answer: p.answer }] : []));
const paraphrases = perRow > 0 ? augmentQuestions(vectors, rows, { perRow, seed }) : [];
const reverse = (doc: string) => {
  const m = /^Q: ([^\n]*)\nA: ([^\n]*)\n$/.exec(doc);
  return m ? `A: ${m[2]}\nQ: ${m[1]}\n` : null;
};
const reversed = [...kept.map((k) => k.doc), ...paraphrases].map(reverse).filter((d): d is string => d !== null);
const docs = shuffledCopies([...kept.map((k) => k.doc), ...reversed], copies, seed);
const tokens = tokenizer.encode(docs.join('\0') + '\0');
console.log(`${setName}: ${kept.length} rows kept, ${reversed.length} answer→question documents, ${tokens.length} training bytes`);

const tag = `${setName}-ch-p${perRow}-s${seed}${copies > 1 ? `-x${copies}` : ''}`;
const snapshotPath = (step: number) => new URL(`${tag}-${step}.f32`, cacheDir);
if (!scoreAt.every((s) => existsSync(snapshotPath(s)))) {
  const trainer = createTrainer(T_, { config, state: { weights: base.weights, step: 0 }, adam: { learningRate: 1e-3, warmupSteps: 10 } });
  const source = createBatchSource(tokens, { B: 8, T: Math.min(256, C), seed });
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
  writeFileSync(snapshotPath(lastNeeded), trainer.state().weights);
  trainer.dispose();
  console.log(`${tag}: ${lastNeeded} steps in ${Math.round((performance.now() - t0) / 1000)} s, loss ${losses[0]!.toFixed(3)} → ${losses.at(-1)!.toFixed(3)}`);
}

/** Σ log p(target | prompt) per row, one right-padded batch (as answerScorer.ts does). */
function sumLogProbs(model: ReturnType<typeof createTransformer>, params: ReturnType<ReturnType<typeof createTransformer>['views']>, rowsIn: Array<{ prompt: Uint8Array; target: Uint8Array }>): Float32Array {
  const T = Math.max(...rowsIn.map((r) => r.prompt.length + r.target.length)) - 1;
  const B = rowsIn.length;
  const ids = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  const weight = new Float32Array(B * T);
  rowsIn.forEach((r, i) => {
    const seq = new Uint8Array([...r.prompt, ...r.target]);
    for (let t = 0; t < seq.length - 1; t++) {
      ids[i * T + t] = seq[t]!;
      targets[i * T + t] = seq[t + 1]!;
      if (t + 1 >= r.prompt.length) weight[i * T + t] = 1;
    }
  });
  return tf.tidy(() => {
    const logits = model.logits(params, tf.tensor1d(ids, 'int32') as Tensor1D, B, T) as Tensor2D;
    const logp = tf.logSoftmax(logits);
    const picked = tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(targets, 'int32'), config.vocabSize)), 1);
    return tf.sum(tf.reshape(tf.mul(picked, tf.tensor1d(weight)), [B, T]), 1).dataSync() as Float32Array;
  });
}

const retriever = createRetriever(parsed.passages, vectors);
const questions = readFileSync(new URL('questions.jsonl', setDir), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { q: string; row?: string });
const K = 8;
const END = tokenizer.endToken;
for (const step of scoreAt) {
  const b = readFileSync(snapshotPath(step));
  const weights = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  const model = createTransformer(T_, config);
  const flat = tf.tensor1d(weights);
  const params = model.views(flat);
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
    const target = tokenizer.encode(`${norm(q.q)}\n`).subarray(0, 96);
    const room = C - target.length - 8;
    const channelRows = answers.map((a) => {
      const answer = tokenizer.encode(norm(a)).subarray(0, room);
      return { prompt: new Uint8Array([END, ...tokenizer.encode('A: '), ...answer, ...tokenizer.encode('\nQ: ')]), target };
    });
    channelRows.push({ prompt: new Uint8Array([END, ...tokenizer.encode('A: \nQ: ')]), target });
    const ch = sumLogProbs(model, params, channelRows);
    const none = ch[answers.length]!;
    out.push({
      set: setName,
      q: q.q,
      row: q.row ?? null,
      cands: chosen.map((h, i) => ({ loc: h.passage.location, bm25: h.bm25, cov: h.coverage, cos: h.cosine, al: h.alignment, ...sc[i], ch: (ch[i]! - none) / target.length, chc: ch[i]!, chn: none })),
    });
  }
  scorer.dispose();
  tf.dispose([flat, ...Object.values(params)]);
  const file = `/tmp/aug/dump-${tag}-${step}.json`;
  writeFileSync(file, JSON.stringify(out));
  console.log(`scored ${questions.length} questions at step ${step} in ${Math.round((performance.now() - t0) / 1000)} s → ${file}`);
}
