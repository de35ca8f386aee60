import type { Passage } from '../finetune/parseDatasets.ts';
import { terms } from './analyze.ts';

export { terms } from './analyze.ts';

/** A retrieved passage: its BM25F score and how much of the query it covers. */
export type RetrievalHit = {
  /** The passage's position in the indexed list. */
  doc: number;
  passage: Passage;
  score: number;
  /**
   * Share of the query's weight (IDF of its distinct terms) that the passage contains, 0–1. Query
   * terms that appear nowhere in the data count with the highest IDF, so an off-topic question
   * covers little even when one common word matches.
   */
  coverage: number;
};

export type Bm25Index = {
  readonly size: number;
  /** Distinct terms indexed. */
  readonly vocabulary: number;
  /** Bytes held by the index's arrays (for cache accounting). */
  readonly bytes: number;
  /** The `k` best passages for `query` (score > 0), best first. */
  search(query: string, k?: number): RetrievalHit[];
  dispose(): void;
};

export type Bm25Parameters = {
  k1?: number;
  b?: number;
  /** Weight of a Q&A record's question field against its answer (default 2: questions say what a row is about). */
  questionWeight?: number;
};

/** A Q&A passage's question: stored since v2, derived from the text for passages saved before. */
export function questionOf(p: Passage): string | undefined {
  if (p.question !== undefined) return p.question;
  if (p.answer === undefined || !p.text.endsWith(p.answer)) return undefined;
  return p.text.slice(0, p.text.length - p.answer.length).trim() || undefined;
}

/**
 * Exact BM25F over passages: an inverted index (one posting per distinct term and passage, no
 * hashing, so "item 12345" finds row 12345 among 200,000) with two fields for Q&A records — the
 * question weighted `questionWeight` against the answer — and one field for other records. Each
 * posting stores its final BM25F contribution, so a search adds floats along the query's posting
 * lists and keeps the top `k`.
 */
export function createBm25Index(passages: Passage[], params: Bm25Parameters = {}): Bm25Index {
  const k1 = params.k1 ?? 1.2;
  const b = params.b ?? 0.75;
  const wq = params.questionWeight ?? 2;
  const n = passages.length;
  const ids = new Map<string, number>();
  const idOf = (t: string) => {
    let id = ids.get(t);
    if (id === undefined) {
      id = ids.size;
      ids.set(t, id);
    }
    return id;
  };
  // Per passage: term → [question count, body count]; field lengths for length normalisation.
  const docs: Array<{ counts: Map<number, [number, number]>; qLen: number; bLen: number }> = [];
  let qTotal = 0;
  let qDocs = 0;
  let bTotal = 0;
  for (const p of passages) {
    const question = questionOf(p);
    const qTerms = question !== undefined ? terms(question) : [];
    const bTerms = terms(question !== undefined ? (p.answer ?? '') : p.text);
    const counts = new Map<number, [number, number]>();
    const count = (t: string, field: 0 | 1) => {
      const id = idOf(t);
      let c = counts.get(id);
      if (!c) counts.set(id, (c = [0, 0]));
      c[field]++;
    };
    for (const t of qTerms) count(t, 0);
    for (const t of bTerms) count(t, 1);
    if (question !== undefined) {
      qTotal += qTerms.length;
      qDocs++;
    }
    bTotal += bTerms.length;
    docs.push({ counts, qLen: qTerms.length, bLen: bTerms.length });
  }
  const V = ids.size;
  const avgQ = qTotal / Math.max(1, qDocs) || 1;
  const avgB = bTotal / Math.max(1, n) || 1;
  const df = new Int32Array(V);
  for (const d of docs) for (const t of d.counts.keys()) df[t]!++;
  const idf = new Float32Array(V);
  for (let t = 0; t < V; t++) idf[t] = Math.log(1 + (n - df[t]! + 0.5) / (df[t]! + 0.5));
  // Compressed posting lists: term t's postings are [start[t], start[t+1]).
  const start = new Int32Array(V + 1);
  for (let t = 0; t < V; t++) start[t + 1] = start[t]! + df[t]!;
  const postDoc = new Int32Array(start[V]!);
  const postScore = new Float32Array(start[V]!);
  const fill = start.slice(0, V);
  docs.forEach((d, i) => {
    const qNorm = 1 - b + (b * d.qLen) / avgQ;
    const bNorm = 1 - b + (b * d.bLen) / avgB;
    for (const [t, [cq, cb]] of d.counts) {
      const tf = (wq * cq) / qNorm + cb / bNorm;
      const at = fill[t]!++;
      postDoc[at] = i;
      postScore[at] = (idf[t]! * tf * (k1 + 1)) / (tf + k1);
    }
  });
  docs.length = 0;
  const unseenIdf = Math.log(1 + (n + 0.5) / 0.5);
  const scores = new Float32Array(n);
  const matched = new Float32Array(n);
  const touched = new Int32Array(n);
  let disposed = false;

  return {
    size: n,
    vocabulary: V,
    bytes: (start.length + postDoc.length + postScore.length + idf.length + df.length + scores.length * 3) * 4,
    search(query, k = 3) {
      if (disposed || n === 0) return [];
      const qTerms = [...new Set(terms(query))];
      if (qTerms.length === 0) return [];
      let total = 0;
      let nTouched = 0;
      for (const term of qTerms) {
        const t = ids.get(term);
        if (t === undefined) {
          total += unseenIdf;
          continue;
        }
        total += idf[t]!;
        for (let j = start[t]!; j < start[t + 1]!; j++) {
          const doc = postDoc[j]!;
          if (scores[doc] === 0) touched[nTouched++] = doc;
          scores[doc]! += postScore[j]!;
          matched[doc]! += idf[t]!;
        }
      }
      // Top k by insertion into a short sorted list (k is small).
      const best: number[] = [];
      for (let i = 0; i < nTouched; i++) {
        const doc = touched[i]!;
        const s = scores[doc]!;
        if (best.length === k && s <= scores[best[k - 1]!]!) continue;
        let at = best.length;
        while (at > 0 && (scores[best[at - 1]!]! < s || (scores[best[at - 1]!]! === s && best[at - 1]! > doc))) at--;
        best.splice(at, 0, doc);
        if (best.length > k) best.pop();
      }
      const hits = best.map((doc) => ({ doc, passage: passages[doc]!, score: scores[doc]!, coverage: total > 0 ? Math.min(1, matched[doc]! / total) : 0 }));
      for (let i = 0; i < nTouched; i++) {
        scores[touched[i]!] = 0;
        matched[touched[i]!] = 0;
      }
      return hits;
    },
    dispose() {
      disposed = true;
    },
  };
}
