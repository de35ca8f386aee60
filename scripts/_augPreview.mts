// Prints the augmented documents for one eval set (a look at what augmentQuestions makes).
import { readFileSync } from 'node:fs';
import { augmentQuestions } from '../engine/finetune/augmentQuestions.ts';
import { parseDatasets } from '../engine/finetune/parseDatasets.ts';
import { sharedWordVectors } from '../engine/retrieval/wordVectors.ts';

const d = process.argv[2] ?? 'bike-shop';
const base = new URL(`../engine/eval/sets/${d}/`, import.meta.url);
const set = JSON.parse(readFileSync(new URL('set.json', base), 'utf8')) as { datasets: Array<{ file: string; format: 'csv' | 'jsonl'; name: string }> };
const ds = set.datasets.map((x, i) => ({ id: `d${i}`, name: x.name, format: x.format, text: readFileSync(new URL(x.file, base), 'utf8') }));
const rows = parseDatasets(ds).passages.flatMap((p) => (p.question && p.answer ? [{ question: p.question, answer: p.answer }] : []));
const t0 = performance.now();
const docs = augmentQuestions(sharedWordVectors(), rows, { perRow: Number(process.argv[3] ?? 8) });
console.log(`${rows.length} rows → ${docs.length} documents in ${Math.round(performance.now() - t0)} ms`);
for (const doc of docs) console.log(doc.split('\n')[0]);
