// Sanity check for the model-gain experiments: with a fine-tuned snapshot, does PMI rank the right
// answer first for the rows' own (trained) questions? Usage: npx tsx scripts/_augSanity.mts <set> <snapshot.f32>
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../engine/backend/selectBackend.ts';
import { decodeCheckpoint } from '../engine/checkpoint/format.ts';
import { parseDatasets } from '../engine/finetune/parseDatasets.ts';
import { createAnswerScorer } from '../engine/serve/answerScorer.ts';
import { createByteTokenizer } from '../engine/tokenizer/byteTokenizer.ts';
import type { Tf } from '../engine/types.ts';

const [setName = 'bike-shop', snapshot = ''] = process.argv.slice(2);
const T_ = tf as unknown as Tf;
await selectBackend({ tf: T_ }, { candidates: ['wasm'] });
const root = new URL('../', import.meta.url);
const setDir = new URL(`engine/eval/sets/${setName}/`, root);
const set = JSON.parse(readFileSync(new URL('set.json', setDir), 'utf8')) as { datasets: Array<{ file: string; format: 'csv' | 'jsonl'; name: string }> };
const ds = set.datasets.map((x, i) => ({ id: `d${i}`, name: x.name, format: x.format, text: readFileSync(new URL(x.file, setDir), 'utf8') }));
const passages = parseDatasets(ds).passages.filter((p) => p.question && p.answer);
const base = decodeCheckpoint(new Uint8Array(readFileSync(new URL('engine/checkpoints/base.ckpt', root))));
const b = readFileSync(snapshot);
const weights = snapshot.endsWith('.ckpt') ? decodeCheckpoint(new Uint8Array(b)).weights : new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
const scorer = createAnswerScorer(T_, base.config, weights, createByteTokenizer());
let pmiOk = 0;
let condOk = 0;
for (const [i, p] of passages.entries()) {
  const sc = scorer.score(p.question!, passages.map((x) => x.answer!));
  const argmax = (f: (s: (typeof sc)[number]) => number) => sc.reduce((best, s, j) => (f(s) > f(sc[best]!) ? j : best), 0);
  if (argmax((s) => (s.conditional - s.prior) / s.tokens) === i) pmiOk++;
  if (argmax((s) => s.conditional) === i) condOk++;
  if (i < 3) console.log(p.question, sc.map((s) => (s.conditional / s.tokens).toFixed(2)).join(' '));
}
console.log(`${setName} ${snapshot}: trained questions, right answer first among all ${passages.length}: PMI ${pmiOk}, conditional ${condOk}`);
