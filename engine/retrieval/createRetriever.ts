import type { Passage } from '../finetune/parseDatasets.ts';
import { createBm25Index, type Bm25Index } from './bm25Index.ts';
import { createDenseIndex, type DenseIndex } from './denseIndex.ts';
import type { WordVectors } from './wordVectors.ts';

/** A candidate passage with what each retrieval method says about it. */
export type RetrievedPassage = {
  doc: number;
  passage: Passage;
  /** BM25F score (0 when BM25 did not find it). */
  bm25: number;
  /** Share of the query's IDF weight the passage contains, 0–1. */
  coverage: number;
  /** Cosine of sentence vectors, 0–1 (0 without word vectors). */
  cosine: number;
  /** Word-by-word alignment with the query, 0–1 (0 without word vectors). */
  alignment: number;
};

export type Retriever = {
  readonly size: number;
  readonly bytes: number;
  /** Up to `k` candidates from BM25F and `k` from the dense index, merged, each with all features. */
  candidates(query: string, k: number): RetrievedPassage[];
  dispose(): void;
};

/**
 * Hybrid retrieval: exact BM25F (codes, rare words, exact phrasing) and word-vector similarity
 * (the same thing said in other words). Candidates from either are scored by both.
 */
export function createRetriever(passages: Passage[], vectors: WordVectors | null): Retriever {
  const bm25: Bm25Index = createBm25Index(passages);
  const dense: DenseIndex | null = vectors ? createDenseIndex(vectors, passages) : null;
  return {
    size: passages.length,
    bytes: bm25.bytes + (dense?.bytes ?? 0),
    candidates(query, k) {
      // BM25's deeper list gives lexical scores to candidates only the dense index proposed.
      const lexical = bm25.search(query, Math.max(k, 50));
      const byDoc = new Map(lexical.map((h) => [h.doc, h]));
      const docs = new Set(lexical.slice(0, k).map((h) => h.doc));
      const q = dense ? dense.embed(query) : null;
      if (dense) for (const h of dense.search(q, k)) docs.add(h.doc);
      return [...docs].map((doc) => {
        const l = byDoc.get(doc);
        return {
          doc,
          passage: passages[doc]!,
          bm25: l?.score ?? 0,
          coverage: l?.coverage ?? 0,
          cosine: dense ? dense.similarity(q, doc) : 0,
          alignment: dense ? dense.alignment(query, doc) : 0,
        };
      });
    },
    dispose() {
      bm25.dispose();
    },
  };
}
