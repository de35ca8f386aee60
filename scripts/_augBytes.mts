// Diagnostic for the model-gain experiments: per-byte log p of a few answers' first bytes after a
// trained question, with the question and without. Usage: npx tsx scripts/_augBytes.mts <set> <snapshot.f32> [row]
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { selectBackend } from '../engine/backend/selectBackend.ts';
import { decodeCheckpoint } from '../engine/checkpoint/format.ts';
import { parseDatasets } from '../engine/finetune/parseDatasets.ts';
import { createTransformer } from '../engine/model/transformer.ts';
import { createByteTokenizer } from '../engine/tokenizer/byteTokenizer.ts';
import type { Tf } from '../engine/types.ts';

const [setName = 'bike-shop', snapshot = '', rowArg = '2'] = process.argv.slice(2);
const T_ = tf as unknown as Tf;
await selectBackend({ tf: T_ }, { candidates: ['wasm'] });
const root = new URL('../', import.meta.url);
const setDir = new URL(`engine/eval/sets/${setName}/`, root);
const set = JSON.parse(readFileSync(new URL('set.json', setDir), 'utf8')) as { datasets: Array<{ file: string; format: 'csv' | 'jsonl'; name: string }> };
const ds = set.datasets.map((x, i) => ({ id: `d${i}`, name: x.name, format: x.format, text: readFileSync(new URL(x.file, setDir), 'utf8') }));
const passages = parseDatasets(ds).passages.filter((p) => p.question && p.answer);
const config = decodeCheckpoint(new Uint8Array(readFileSync(new URL('engine/checkpoints/base.ckpt', root)))).config;
const b = readFileSync(snapshot);
const weights = snapshot.endsWith('.ckpt') ? decodeCheckpoint(new Uint8Array(b)).weights : new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
const model = createTransformer(T_, config);
const params = model.views(tf.tensor1d(weights) as Tensor1D);
const tok = createByteTokenizer();
const row = Number(rowArg) - 1;
const q = passages[row]!.question!;
const logps = (text: string, from: number) => {
  const ids = tok.encode(text);
  const lp = tf.tidy(() => tf.logSoftmax(model.logits(params, tf.tensor1d(Int32Array.from([0, ...ids]), 'int32') as Tensor1D, 1, ids.length + 1) as Tensor2D).arraySync() as number[][]);
  return [...ids].slice(from).map((c, i) => lp[from + i]![c]!);
};
for (const j of [row, (row + 1) % passages.length, (row + 5) % passages.length]) {
  const a = passages[j]!.answer!.slice(0, 16);
  const withQ = logps(`Q: ${q}\nA: ${a}`, `Q: ${q}\nA: `.length);
  const noQ = logps(`Q: \nA: ${a}`, 'Q: \nA: '.length);
  console.log(`Q(row ${row + 1}) answer of row ${j + 1} "${a}"\n  with Q ${withQ.map((x) => x.toFixed(1)).join(' ')}  Σ ${withQ.reduce((s, x) => s + x, 0).toFixed(1)}\n  no Q   ${noQ.map((x) => x.toFixed(1)).join(' ')}  Σ ${noQ.reduce((s, x) => s + x, 0).toFixed(1)}`);
}
