import type { Passage } from '../finetune/parseDatasets.ts';
import { isStopWord, words } from './analyze.ts';
import { questionOf } from './bm25Index.ts';
import { alignmentScore, embedText, type WordVectors } from './wordVectors.ts';

/** A passage found by meaning: cosine of sentence vectors and word-by-word alignment, 0–1. */
export type DenseHit = { doc: number; cosine: number };

export type DenseIndex = {
  readonly size: number;
  /** Bytes held by the passage vectors. */
  readonly bytes: number;
  /** The query's sentence vector (null when it has no known word): computed once per question. */
  embed(query: string): Float32Array | null;
  /** The `k` passages whose vectors are closest to the query's (cosine > 0), best first. */
  search(query: Float32Array | null, k: number): DenseHit[];
  /** Cosine between the query's vector and passage `doc` (0 without a query vector). */
  similarity(query: Float32Array | null, doc: number): number;
  /**
   * How well the query's words are matched, each by its closest word in the passage (1 for the
   * same word), weighted by rarity: the finer signal for re-ranking a few candidates.
   */
  alignment(query: string, doc: number): number;
};

/** Weight of a Q&A record's question against its answer in the record's vector. */
const QUESTION_WEIGHT = 2;

/**
 * Dense retrieval over word vectors (engine/retrieval/vectors): each passage is the SIF-weighted,
 * IDF-weighted mean of its words' vectors (a Q&A record's question counting twice its answer),
 * stored as int8 with a per-row scale; a search is one pass of dot products. It finds passages
 * that say the same in other words ("cab" → "taxi"), which BM25 cannot.
 */
export function createDenseIndex(vectors: WordVectors, passages: Passage[]): DenseIndex {
  const n = passages.length;
  const dims = vectors.dims;
  // Collection IDF over lower-cased words, so words every passage shares weigh little.
  const df = new Map<string, number>();
  const fields = passages.map((p) => {
    const question = questionOf(p);
    return question !== undefined ? { question, answer: p.answer ?? '' } : { question: null, answer: p.text };
  });
  for (const f of fields) for (const w of new Set(words(`${f.question ?? ''} ${f.answer}`))) df.set(w, (df.get(w) ?? 0) + 1);
  const idf = (w: string) => Math.log(1 + (n + 0.5) / ((df.get(w) ?? 0) + 0.5));
  const opts = { isStopWord, termWeight: idf };
  const values = new Int8Array(n * dims);
  const scales = new Float32Array(n);
  const row = new Float32Array(dims);
  fields.forEach((f, i) => {
    row.fill(0);
    const add = (v: Float32Array | null, w: number) => {
      if (v) for (let d = 0; d < dims; d++) row[d]! += w * v[d]!;
    };
    add(f.question !== null ? embedText(vectors, f.question, opts) : null, QUESTION_WEIGHT);
    add(embedText(vectors, f.answer, opts), 1);
    let norm = 0;
    let max = 0;
    for (let d = 0; d < dims; d++) {
      norm += row[d]! ** 2;
      max = Math.max(max, Math.abs(row[d]!));
    }
    if (!(norm > 0)) return;
    norm = Math.sqrt(norm);
    const scale = max / norm / 127;
    scales[i] = scale;
    for (let d = 0; d < dims; d++) values[i * dims + d] = Math.round(row[d]! / norm / scale);
  });
  const textOf = (doc: number) => `${fields[doc]!.question ?? ''} ${fields[doc]!.answer}`;
  const dot = (q: Float32Array, doc: number) => {
    let s = 0;
    const at = doc * dims;
    for (let d = 0; d < dims; d++) s += q[d]! * values[at + d]!;
    return s * scales[doc]!;
  };

  return {
    size: n,
    bytes: values.byteLength + scales.byteLength,
    embed: (query) => embedText(vectors, query, opts),
    search(q, k) {
      if (!q || n === 0) return [];
      const best: DenseHit[] = [];
      for (let doc = 0; doc < n; doc++) {
        const c = dot(q, doc);
        if (c <= 0 || (best.length === k && c <= best[k - 1]!.cosine)) continue;
        let at = best.length;
        while (at > 0 && best[at - 1]!.cosine < c) at--;
        best.splice(at, 0, { doc, cosine: c });
        if (best.length > k) best.pop();
      }
      return best;
    },
    similarity(q, doc) {
      return q ? Math.max(0, dot(q, doc)) : 0;
    },
    alignment(query, doc) {
      return alignmentScore(vectors, query, textOf(doc), opts);
    },
  };
}
