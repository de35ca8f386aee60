/**
 * `npx tsx bench/datasets.bench.ts` — how long `inspectDataset` takes at the upload limits
 * (200,000 rows, about 10 MB), next to a plain `text.split('\n')` of the same text in the same
 * run, and where the time goes (the CSV parse it reuses, JSON.parse, the MinHash signature).
 *
 * Each figure is the best of several rounds, in CPU time (user + system, all threads, so GC
 * helpers count): on a shared machine that moves far less than wall-clock time. Wall-clock
 * time of the inspection is shown too.
 *
 * Options: --rounds N (default 5)
 */
import { parseArgs } from 'node:util';
import { inspectDataset } from '../platform/datasets/inspectDataset.ts';
import { minhashSignature } from '../platform/datasets/minhash.ts';
import type { DatasetFormat } from '../platform/datasets/validateDataset.ts';
import { parseCsv } from '../platform/datasets/csv.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const rounds = Number(values.rounds);
const ROWS = 200_000;

// Deterministic text that looks like contributed data: words, numbers, some quoting.
let seed = 1;
const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
const words = 'the a of what is how capital river answer question model data train city number year first large small'.split(' ');
const sentence = (n: number) => Array.from({ length: n }, () => words[Math.floor(rnd() * words.length)]).join(' ');

const files: Array<{ format: DatasetFormat; text: string }> = [
  {
    format: 'csv',
    text: `id,question,answer,score\n${Array.from({ length: ROWS }, (_, i) => `${i},"${sentence(3)}, ${sentence(1)}?",${sentence(2)},${(rnd() * 100).toFixed(2)}`).join('\n')}\n`,
  },
  {
    format: 'jsonl',
    text: `${Array.from({ length: ROWS }, () => JSON.stringify({ prompt: sentence(3), completion: sentence(2) })).join('\n')}\n`,
  },
  { format: 'txt', text: `${Array.from({ length: ROWS }, () => sentence(7)).join('\n')}\n` },
];

/** Best CPU and wall-clock milliseconds of `rounds` runs. */
function measure(fn: () => unknown): { cpu: number; wall: number } {
  let cpu = Infinity;
  let wall = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    const c = process.cpuUsage();
    fn();
    const d = process.cpuUsage(c);
    wall = Math.min(wall, performance.now() - t);
    cpu = Math.min(cpu, (d.user + d.system) / 1000);
  }
  return { cpu, wall };
}

const best = (fn: () => unknown) => measure(fn).cpu;

console.log(`inspectDataset, ${ROWS.toLocaleString('en')} rows, best of ${rounds} rounds (Node ${process.version})`);
console.log('format   size     split(\\n)  inspect   ×split   (wall)    parts, CPU ms');
for (const { format, text } of files) {
  const bytes = Buffer.from(text);
  const split = best(() => text.split('\n'));
  const { cpu: inspect, wall } = measure(() => inspectDataset({ format, bytes, columns: null }));
  const lines = text.split('\n');
  const parts: string[] = [];
  if (format === 'csv') parts.push(`parseCsv ${best(() => { for (const _ of parseCsv(text)); }).toFixed(0)} ms`);
  if (format === 'jsonl') parts.push(`JSON.parse ${best(() => lines.forEach((l) => l && JSON.parse(l))).toFixed(0)} ms`);
  parts.push(`minhash ${best(() => minhashSignature(lines)).toFixed(0)} ms`);
  console.log(
    `${format.padEnd(8)} ${(bytes.length / 1e6).toFixed(1).padStart(4)} MB  ${split.toFixed(1).padStart(7)} ms ${inspect.toFixed(0).padStart(6)} ms ${(inspect / split).toFixed(0).padStart(6)}   ${wall.toFixed(0).padStart(5)} ms  ${parts.join(', ')}`,
  );
}
