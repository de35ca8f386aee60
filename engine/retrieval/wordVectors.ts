/**
 * Word vectors for dense retrieval: the table the project ships (engine/retrieval/vectors/,
 * distilled by `npm run engine:vectors` from GloVe-derived vectors, see vectors/SOURCE.md), word
 * lookup with a light suffix fallback, SIF sentence embeddings (Arora, Liang & Ma, 2017:
 * frequency-weighted mean of word vectors, optionally minus a common component) and a word
 * alignment score for re-ranking a few candidates.
 *
 * Table format (little-endian), version 1:
 * - header, 64 bytes: magic "CVWV" · u16 version · u16 dims · u32 words · u32 source vocabulary size
 *   (for word probabilities) · u32 byte length of the word list · 12 reserved bytes · sha256 of the
 *   payload (32 bytes);
 * - payload: the words in source frequency order, UTF-8, joined by "\n", zero-padded to 4 bytes ·
 *   u32 source rank per word · f32 scale per word · int8 vectors (words × dims, value = q · scale).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CorruptCheckpointError } from '../errors.ts';
import { words as wordsOf } from './analyze.ts';

export const TABLE_MAGIC = 'CVWV';
export const TABLE_VERSION = 1;
export const TABLE_HEADER_BYTES = 64;

/** The table shipped in the repository. */
export const defaultWordVectorsPath = fileURLToPath(new URL('./vectors/wordVectors.bin', import.meta.url));

/** A loaded, verified word-vector table. Immutable; about 1.6 × its file size in memory (int8 rows, word map). */
export type WordVectors = {
  readonly dims: number;
  readonly size: number;
  /** Words in the source vocabulary the ranks refer to (for word probabilities). */
  readonly sourceSize: number;
  /** sha256 (hex) of the payload, as recorded in and checked against the header. */
  readonly sha256: string;
  readonly words: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** Source frequency rank of each word (0 = most frequent). */
  readonly ranks: Uint32Array;
  readonly scales: Float32Array;
  /** Quantised vectors, row `i` at `[i * dims, (i + 1) * dims)`. */
  readonly values: Int8Array;
  /** L2 norm of each quantised row (before its scale), for word-to-word cosines. */
  readonly norms: Float32Array;
};

/**
 * Parses and verifies a table (magic, version, sizes, sha256).
 *
 * @throws {CorruptCheckpointError} when the bytes are not an intact table.
 */
export function parseWordVectors(bytes: Uint8Array, params: { source?: string } = {}): WordVectors {
  const source = params.source ?? 'word-vector table';
  const corrupt = (details: string) =>
    new CorruptCheckpointError(`The word-vector table "${source}" is corrupt or not a word-vector table.`, {
      key: source,
      details,
      metaMessages: ['Rebuild it with `npm run engine:vectors`, or restore the file from git.'],
    });
  if (bytes.length < TABLE_HEADER_BYTES) throw corrupt(`${bytes.length} bytes, shorter than the ${TABLE_HEADER_BYTES}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!);
  if (magic !== TABLE_MAGIC) throw corrupt(`magic "${magic}", expected "${TABLE_MAGIC}"`);
  const version = view.getUint16(4, true);
  if (version !== TABLE_VERSION) throw corrupt(`format version ${version}, this engine reads ${TABLE_VERSION}`);
  const dims = view.getUint16(6, true);
  const size = view.getUint32(8, true);
  const sourceSize = view.getUint32(12, true);
  const wordBytes = view.getUint32(16, true);
  const wordsPadded = Math.ceil(wordBytes / 4) * 4;
  const expected = TABLE_HEADER_BYTES + wordsPadded + 8 * size + size * dims;
  if (dims === 0 || size === 0 || sourceSize < size || bytes.length !== expected) {
    throw corrupt(`${bytes.length} bytes for ${size} words × ${dims} dims (expected ${expected})`);
  }
  const payload = bytes.subarray(TABLE_HEADER_BYTES);
  const recorded = Buffer.from(bytes.subarray(32, 64)).toString('hex');
  const actual = createHash('sha256').update(payload).digest('hex');
  if (recorded !== actual) throw corrupt(`payload sha256 ${actual}, the header records ${recorded}`);

  const words = new TextDecoder('utf-8', { fatal: true }).decode(payload.subarray(0, wordBytes)).split('\n');
  if (words.length !== size) throw corrupt(`${words.length} words in the word list, the header says ${size}`);
  const index = new Map<string, number>();
  words.forEach((w, i) => index.set(w, i));
  const ranks = new Uint32Array(size);
  const scales = new Float32Array(size);
  let at = TABLE_HEADER_BYTES + wordsPadded;
  for (let i = 0; i < size; i++, at += 4) ranks[i] = view.getUint32(at, true);
  for (let i = 0; i < size; i++, at += 4) scales[i] = view.getFloat32(at, true);
  // Copy, so the table does not pin a larger buffer it was read into.
  const values = new Int8Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + size * dims));
  const norms = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let sq = 0;
    for (let d = i * dims; d < (i + 1) * dims; d++) sq += values[d]! * values[d]!;
    norms[i] = Math.sqrt(sq);
  }
  return { dims, size, sourceSize, sha256: actual, words, index, ranks, scales, values, norms };
}

/**
 * Reads and verifies a table file (default: the shipped one).
 *
 * @throws {CorruptCheckpointError} when the file is missing, unreadable or corrupt.
 */
export function loadWordVectors(params: { path?: string } = {}): WordVectors {
  const file = params.path ?? defaultWordVectorsPath;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (cause) {
    throw new CorruptCheckpointError(`The word-vector table "${file}" cannot be read.`, {
      key: file,
      cause,
      metaMessages: ['Rebuild it with `npm run engine:vectors`, or restore the file from git.'],
    });
  }
  return parseWordVectors(bytes, { source: file });
}

let shared: WordVectors | undefined;

/**
 * The shipped table, loaded on first use and then kept for the life of the thread (each worker
 * thread has its own copy, ≈ 10 MB of memory). A failed load is not cached, so the next call retries.
 */
export function sharedWordVectors(): WordVectors {
  shared ??= loadWordVectors();
  return shared;
}

/** Forms to try for a word the table lacks: plural, past, gerund, adverb suffixes stripped. */
function stemCandidates(word: string): string[] {
  const out: string[] = [];
  const n = word.length;
  // "shipped" → "ship", "pedalling" → "pedal" (tried after the plain stem, so "called" stays "call").
  const undouble = (stem: string) => (stem.length > 2 && stem.at(-1) === stem.at(-2) && !/[aeiou]/.test(stem.at(-1)!) ? stem.slice(0, -1) : stem);
  if (n > 4 && word.endsWith('ies')) out.push(word.slice(0, -3) + 'y');
  if (n > 3 && word.endsWith('es')) out.push(word.slice(0, -2));
  if (n > 3 && word.endsWith('s') && !word.endsWith('ss')) out.push(word.slice(0, -1));
  if (n > 4 && word.endsWith('ed')) {
    const stem = word.slice(0, -2);
    out.push(stem, stem + 'e', undouble(stem));
    if (word.endsWith('ied')) out.push(word.slice(0, -3) + 'y');
  }
  if (n > 5 && word.endsWith('ing')) {
    const stem = word.slice(0, -3);
    out.push(stem, stem + 'e', undouble(stem));
  }
  if (n > 4 && word.endsWith('ly')) out.push(word.slice(0, -2));
  if (n > 6 && word.endsWith('ness')) out.push(word.slice(0, -4));
  return out;
}

/** Row of `word` (lower-cased) in the table, trying suffix-stripped forms when it is missing; -1 if none. */
export function wordIndex(vectors: WordVectors, word: string): number {
  const w = word.toLowerCase();
  const direct = vectors.index.get(w);
  if (direct !== undefined) return direct;
  for (const candidate of stemCandidates(w)) {
    const i = vectors.index.get(candidate);
    if (i !== undefined) return i;
  }
  return -1;
}

/** The (de-quantised) vector of `word`, or null when neither it nor a stem form is in the table. */
export function wordVector(vectors: WordVectors, word: string): Float32Array | null {
  const i = wordIndex(vectors, word);
  if (i < 0) return null;
  const { dims, values } = vectors;
  const scale = vectors.scales[i]!;
  const out = new Float32Array(dims);
  for (let d = 0; d < dims; d++) out[d] = values[i * dims + d]! * scale;
  return out;
}

/**
 * Estimated unigram probability of row `i`: Zipf's law over its source frequency rank,
 * p(r) = 1 / ((r + 1) · H_N) with N the source vocabulary size.
 */
export function wordProbability(vectors: WordVectors, i: number): number {
  return 1 / ((vectors.ranks[i]! + 1) * harmonicNumber(vectors.sourceSize));
}

/** H_n ≈ ln n + γ + 1/(2n). */
function harmonicNumber(n: number): number {
  return Math.log(n) + 0.5772156649 + 1 / (2 * n);
}

/**
 * English function words dropped before embedding (SIF weighting already shrinks frequent words;
 * dropping these keeps short questions from being dominated by "how do I").
 */
export const defaultStopWords: ReadonlySet<string> = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him ' +
    'himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other ' +
    'our ours ourselves out over own same she should so some such than that the their theirs them themselves then there ' +
    'these they this those through to too under until up very was we were what when where which while who whom why will ' +
    'with would you your yours yourself yourselves also get got may might must shall us let lets ok please hi hello thanks'
  ).split(' '),
);

export type EmbedTextOptions = {
  /** `sif` (default): weight a/(a + p(w)); `uniform`: plain mean. */
  weighting?: 'sif' | 'uniform';
  /** SIF's `a`. Default 1e-3. */
  sifA?: number;
  /** Whether to skip a (lower-cased) word. Default: membership in {@link defaultStopWords}. */
  isStopWord?: (word: string) => boolean;
  /** A unit vector to project out (SIF's common component, from {@link fitCommonComponent}). */
  commonComponent?: Float32Array | null;
  /**
   * Extra weight per (lower-cased) word, multiplied into the SIF weight: pass the collection's
   * IDF so that words every passage shares (e.g. "bike" in a bike shop's FAQ) stop dominating.
   */
  termWeight?: (word: string) => number;
};


/** Lower-cased words of `text` minus stop words, one-letter words and contractions. */
function contentWords(text: string, isStop: (word: string) => boolean): string[] {
  const out: string[] = [];
  // Words with their apostrophe suffix ("shop's", "don't"), so contractions can be recognised whole.
  for (const raw of wordsOf(text)) {
    let token = raw;
    if (raw.includes("'") || raw.includes('’')) {
      // A possessive keeps its word; other contractions ("don't", "i'm", "we've") are function words.
      if (isStop(raw)) continue;
      token = raw.replace(/['’]s$/u, '');
      if (token.includes("'") || token.includes('’')) continue;
    }
    if (token.length < 2 || isStop(token)) continue;
    out.push(token);
  }
  return out;
}

/**
 * Sentence vector of `text`: weighted mean of its known, non-stop words' vectors, minus the
 * common component when given, scaled to unit length. Null when no word of the text is in the
 * table (empty text, only stop words, only unknown words).
 *
 * @example
 * const v = sharedWordVectors();
 * cosine(embedText(v, 'Can I get my money back?')!, embedText(v, 'How do refunds work?')!); // ≈ 0.6
 */
export function embedText(vectors: WordVectors, text: string, opts: EmbedTextOptions = {}): Float32Array | null {
  const { dims, values, scales } = vectors;
  const a = opts.sifA ?? 1e-3;
  const sif = (opts.weighting ?? 'sif') === 'sif';
  const isStop = opts.isStopWord ?? ((w: string) => defaultStopWords.has(w));
  const harmonic = harmonicNumber(vectors.sourceSize);
  const sum = new Float64Array(dims);
  let known = 0;
  for (const token of contentWords(text, isStop)) {
    const i = wordIndex(vectors, token);
    if (i < 0) continue;
    // a / (a + p) with p = 1 / ((rank + 1) · H), as in wordProbability.
    const sifWeight = sif ? a / (a + 1 / ((vectors.ranks[i]! + 1) * harmonic)) : 1;
    const weight = sifWeight * (opts.termWeight ? opts.termWeight(token) : 1) * scales[i]!;
    const row = i * dims;
    for (let d = 0; d < dims; d++) sum[d]! += values[row + d]! * weight;
    known++;
  }
  if (known === 0) return null;
  const c = opts.commonComponent;
  if (c) {
    if (c.length !== dims) throw new RangeError(`common component has ${c.length} dims, the table ${dims}`);
    let proj = 0;
    for (let d = 0; d < dims; d++) proj += sum[d]! * c[d]!;
    for (let d = 0; d < dims; d++) sum[d]! -= proj * c[d]!;
  }
  let norm = 0;
  for (let d = 0; d < dims; d++) norm += sum[d]! ** 2;
  if (!(norm > 0)) return null;
  norm = Math.sqrt(norm);
  const out = new Float32Array(dims);
  for (let d = 0; d < dims; d++) out[d] = sum[d]! / norm;
  return out;
}

export type AlignmentScoreOptions = Pick<EmbedTextOptions, 'isStopWord' | 'termWeight' | 'sifA'>;

/**
 * Word-alignment similarity of a query to a passage, in [0, 1]: for each content word of the
 * query, its best match among the passage's words (1 for the same word, else the cosine of the
 * closest word vector, floored at 0; 0 for a word the table lacks and the passage does not
 * contain), averaged with SIF × `termWeight` weights. Finer than comparing two averaged vectors
 * ("stolen" meets "theft" even in a long answer), and costs query words × passage words × dims,
 * so use it to re-rank a short candidate list, not to scan a whole collection.
 */
export function alignmentScore(vectors: WordVectors, query: string, passage: string, opts: AlignmentScoreOptions = {}): number {
  const isStop = opts.isStopWord ?? ((w: string) => defaultStopWords.has(w));
  const a = opts.sifA ?? 1e-3;
  const { dims, values, norms } = vectors;
  const passageWords = new Set(contentWords(passage, isStop));
  const passageRows: number[] = [];
  for (const w of passageWords) {
    const i = wordIndex(vectors, w);
    if (i >= 0 && norms[i]! > 0) passageRows.push(i);
  }
  let num = 0;
  let den = 0;
  for (const token of contentWords(query, isStop)) {
    const i = wordIndex(vectors, token);
    const weight = (i >= 0 ? a / (a + wordProbability(vectors, i)) : 1) * (opts.termWeight ? opts.termWeight(token) : 1);
    let best = 0;
    if (passageWords.has(token)) best = 1;
    else if (i >= 0 && norms[i]! > 0) {
      for (const j of passageRows) {
        let dot = 0;
        for (let d = 0; d < dims; d++) dot += values[i * dims + d]! * values[j * dims + d]!;
        best = Math.max(best, dot / (norms[i]! * norms[j]!));
      }
    }
    num += weight * Math.min(1, best);
    den += weight;
  }
  return den > 0 ? num / den : 0;
}

/**
 * First principal direction (uncentred, as SIF's truncated SVD) of a set of sentence vectors:
 * pass it as `commonComponent` to {@link embedText} for both passages and queries. Null for no
 * vectors. Deterministic (power iteration from the vectors' mean).
 */
export function fitCommonComponent(embeddings: readonly Float32Array[]): Float32Array | null {
  const first = embeddings[0];
  if (!first) return null;
  const dims = first.length;
  let v = new Float64Array(dims);
  for (const e of embeddings) for (let d = 0; d < dims; d++) v[d]! += e[d]!;
  if (!v.some((x) => x !== 0)) v = Float64Array.from(first);
  for (let iter = 0; iter < 100; iter++) {
    const next = new Float64Array(dims);
    for (const e of embeddings) {
      let dot = 0;
      for (let d = 0; d < dims; d++) dot += e[d]! * v[d]!;
      for (let d = 0; d < dims; d++) next[d]! += dot * e[d]!;
    }
    const norm = Math.sqrt(next.reduce((s, x) => s + x * x, 0));
    if (!(norm > 0)) return null;
    let change = 0;
    for (let d = 0; d < dims; d++) {
      const x = next[d]! / norm;
      change += (x - v[d]!) ** 2;
      v[d] = x;
    }
    if (change < 1e-14) break;
  }
  return Float32Array.from(v);
}

/** Cosine similarity of two vectors of equal length; 0 when either is all zeros. */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`vectors of different lengths: ${a.length} and ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}
