import type { Tensor2D } from '@tensorflow/tfjs';
import type { Passage } from '../finetune/parseDatasets.ts';
import type { Tf } from '../types.ts';

const stopwords = new Set(
  'a an and are as at be by for from has have how i in is it its of on or that the this to was what when where which who why will with you your do does can me my we our'.split(' '),
);

/** Lower-cased word terms (letters/digits), stopwords dropped. */
export function terms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((t) => t.length > 1 && !stopwords.has(t));
}

function bucket(term: string, F: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < term.length; i++) {
    h ^= term.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % F;
}

export type RetrievalHit = { passage: Passage; score: number };

export type Bm25Index = {
  readonly size: number;
  /** The `k` best passages for `query` (score > 0), best first. */
  search(query: string, k?: number): RetrievalHit[];
  dispose(): void;
};

/**
 * BM25 over passages, scored with tfjs: each passage is a row of BM25 term weights over hashed
 * term buckets ([passages, F] matrix); a query is a bucket-count vector, so scoring every passage
 * is one matrix-vector product and top-k. Bucket count adapts to keep the matrix ≤ 64 MB.
 */
export function createBm25Index(tf: Tf, passages: Passage[], params: { k1?: number; b?: number } = {}): Bm25Index {
  const k1 = params.k1 ?? 1.2;
  const b = params.b ?? 0.75;
  const n = passages.length;
  let F = 4096;
  while (F > 256 && n * F > 16_000_000) F /= 2;
  const docs = passages.map((p) => {
    const counts = new Map<number, number>();
    const ts = terms(p.text);
    for (const t of ts) {
      const j = bucket(t, F);
      counts.set(j, (counts.get(j) ?? 0) + 1);
    }
    return { counts, len: ts.length };
  });
  const df = new Float32Array(F);
  for (const d of docs) for (const j of d.counts.keys()) df[j]! += 1;
  const avgdl = docs.reduce((a, d) => a + d.len, 0) / Math.max(1, n) || 1;
  let matrix: Tensor2D | null = null;
  if (n > 0) {
    const data = new Float32Array(n * F);
    docs.forEach((d, i) => {
      for (const [j, tfc] of d.counts) {
        const idf = Math.log(1 + (n - df[j]! + 0.5) / (df[j]! + 0.5));
        data[i * F + j] = (idf * tfc * (k1 + 1)) / (tfc + k1 * (1 - b + (b * d.len) / avgdl));
      }
    });
    matrix = tf.tensor2d(data, [n, F]);
  }
  return {
    size: n,
    search(query, k = 3) {
      if (!matrix) return [];
      const q = new Float32Array(F);
      for (const t of new Set(terms(query))) q[bucket(t, F)] = 1;
      let values: Float32Array = new Float32Array(0);
      let indices: Int32Array = new Int32Array(0);
      tf.tidy(() => {
        const scores = tf.reshape(tf.matMul(matrix!, tf.tensor2d(q, [F, 1])), [n]);
        const top = tf.topk(scores, Math.min(k, n));
        values = top.values.dataSync() as Float32Array;
        indices = top.indices.dataSync() as Int32Array;
      });
      const hits: RetrievalHit[] = [];
      values.forEach((score, r) => {
        if (score > 0) hits.push({ passage: passages[indices[r]!]!, score });
      });
      return hits;
    },
    dispose() {
      matrix?.dispose();
      matrix = null;
    },
  };
}
