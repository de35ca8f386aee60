import { describe, expect, it } from 'vitest';
import type { WordVectors } from '../retrieval/wordVectors.ts';
import { augmentQuestions, shuffledCopies, shuffleDocuments, type AugmentOptions } from './augmentQuestions.ts';

/** A tiny table: words with hand-made 4-d vectors (int8, scale 1), in "frequency" order. */
function tinyTable(entries: Array<[string, number[]]>): WordVectors {
  const dims = 4;
  const words = entries.map(([w]) => w);
  const values = new Int8Array(entries.length * dims);
  entries.forEach(([, v], i) => values.set(v, i * dims));
  const norms = new Float32Array(entries.length);
  for (let i = 0; i < entries.length; i++) {
    let sq = 0;
    for (let d = 0; d < dims; d++) sq += values[i * dims + d]! ** 2;
    norms[i] = Math.sqrt(sq);
  }
  return {
    dims,
    size: words.length,
    sourceSize: words.length,
    sha256: 'test',
    words,
    index: new Map(words.map((w, i) => [w, i])),
    ranks: Uint32Array.from(words.map((_, i) => i)),
    scales: new Float32Array(words.length).fill(1),
    values,
    norms,
  };
}

const table = tinyTable([
  ['the', [1, 1, 1, 1]],
  ['refund', [100, 0, 0, 0]],
  ['refunds', [100, 1, 0, 0]], // an inflection: must never be offered for "refund"
  ['reimbursement', [90, 20, 0, 0]],
  ['bike', [0, 100, 0, 0]],
  ['bicycle', [0, 95, 10, 0]],
  ['giraffe', [0, 0, 0, 100]],
  ['wait', [0, 0, 100, 0]],
  ['original', [10, 0, 0, 100]],
  ['payment', [60, 0, 0, 50]],
]);
const rows = [
  { question: 'How do I get a refund for my bike?', answer: 'Refunds go to the original payment method.' },
  { question: 'Can I wait?', answer: 'Yes, you can wait.' },
];
const only = (o: AugmentOptions): AugmentOptions => ({ replaceProbability: 0, dropProbability: 0, swapProbability: 0, answerWordShare: 0, ...o });
const questionOf = (doc: string) => doc.split('\n')[0]!.slice(3);

describe('augmentQuestions', () => {
  it('makes "Q: …\\nA: …\\n" documents with the row\'s answer unchanged', () => {
    const docs = augmentQuestions(table, rows, { perRow: 6, seed: 3 });
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) {
      expect(doc).toMatch(/^Q: [^\n]+\nA: [^\n]+\n$/);
      expect(rows.map((r) => r.answer)).toContain(doc.split('\nA: ')[1]!.slice(0, -1));
    }
  });

  it('replaces content words by their nearest neighbours, never by an inflection of the word', () => {
    const all = augmentQuestions(table, rows.slice(0, 1), { ...only({ replaceProbability: 1 }), perRow: 40 }).map(questionOf);
    expect(new Set(all)).toEqual(new Set(['How do I get a reimbursement for my bicycle?', 'How do I get a payment for my bicycle?']));
    const docs = augmentQuestions(table, rows.slice(0, 1), { ...only({ replaceProbability: 1 }), neighbours: 1, perRow: 20 });
    // Every variant would be the same sentence: duplicates are dropped.
    expect(docs.map(questionOf)).toEqual(['How do I get a reimbursement for my bicycle?']);
    expect(docs.join('')).not.toMatch(/refunds for/);
  });

  it('keeps the question unchanged (and so adds nothing) when every change is switched off', () => {
    expect(augmentQuestions(table, rows, { ...only({}), perRow: 5 })).toEqual([]);
  });

  it('drops stop words and swaps adjacent words when asked', () => {
    const dropped = augmentQuestions(table, rows.slice(0, 1), { ...only({ dropProbability: 1 }), perRow: 3 });
    expect(dropped.map(questionOf)).toEqual(['Refund bike?']);
    const swapped = augmentQuestions(table, rows.slice(0, 1), { ...only({ swapProbability: 1 }), perRow: 30, seed: 2 });
    for (const q of swapped.map(questionOf)) {
      expect(q.toLowerCase().match(/\w+/g)!.sort()).toEqual('how do i get a refund for my bike'.split(' ').sort());
    }
    expect(swapped.length).toBeGreaterThan(1);
  });

  it('builds a share of variants from the answer\'s content words', () => {
    const docs = augmentQuestions(table, rows.slice(0, 1), { ...only({ answerWordShare: 1 }), perRow: 30 });
    expect(docs.length).toBeGreaterThan(0);
    for (const q of docs.map(questionOf)) {
      const content = q.toLowerCase().replace(/\?$/, '').split(' ').filter((w) => ['refunds', 'original', 'payment', 'method', 'go'].includes(w));
      expect(content.length).toBeGreaterThanOrEqual(2);
    }
  });

  it('is deterministic for a seed and varies with it', () => {
    const a = augmentQuestions(table, rows, { perRow: 8, seed: 7 });
    expect(augmentQuestions(table, rows, { perRow: 8, seed: 7 })).toEqual(a);
    expect(augmentQuestions(table, rows, { perRow: 8, seed: 8 })).not.toEqual(a);
  });

  it('skips rows without a question or an answer', () => {
    expect(augmentQuestions(table, [{ question: ' ', answer: 'x' }, { question: 'Refund?', answer: '' }], { perRow: 4 })).toEqual([]);
  });
});

describe('shuffleDocuments', () => {
  it('is a deterministic permutation', () => {
    const docs = Array.from({ length: 50 }, (_, i) => `d${i}`);
    const s = shuffleDocuments(docs, 4);
    expect(s).toEqual(shuffleDocuments(docs, 4));
    expect(s).not.toEqual(docs);
    expect([...s].sort()).toEqual([...docs].sort());
    expect(shuffleDocuments(docs, 5)).not.toEqual(s);
  });
});

describe('shuffledCopies', () => {
  it('concatenates differently ordered copies of every document', () => {
    const docs = Array.from({ length: 20 }, (_, i) => `d${i}`);
    const s = shuffledCopies(docs, 3, 2);
    expect(s).toHaveLength(60);
    const [a, b, c] = [s.slice(0, 20), s.slice(20, 40), s.slice(40)];
    for (const copy of [a, b, c]) expect([...copy].sort()).toEqual([...docs].sort());
    expect(a).not.toEqual(b);
    expect(b).not.toEqual(c);
    expect(shuffledCopies(docs, 3, 2)).toEqual(s);
  });
});
