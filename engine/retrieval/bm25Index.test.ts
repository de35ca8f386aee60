import { describe, expect, it } from 'vitest';
import { parseDatasets, type Passage } from '../finetune/parseDatasets.ts';
import { faqDataset } from '../testing/fixtures.ts';
import { createBm25Index, questionOf, terms } from './bm25Index.ts';

describe('BM25F retrieval', () => {
  const { passages } = parseDatasets([faqDataset, { id: 'ds-notes', name: 'Notes', format: 'txt', text: 'Our warehouse is in Lyon.\n\nShipping abroad uses DHL and takes a week.' }]);
  const index = createBm25Index(passages);

  it('ranks the passage that answers the query first, and finds nothing for unknown words', () => {
    expect(index.search('how long until my refund arrives?')[0]!.passage.location).toBe('row 1');
    expect(index.search('warranty on devices')[0]!.passage.answer).toMatch(/two year/);
    const abroad = index.search('ship abroad', 2);
    expect(abroad).toHaveLength(2);
    expect(abroad.map((h) => h.passage.datasetName).sort()).toEqual(['Notes', 'Refund FAQ']);
    expect(index.search('zebra quantum')).toEqual([]);
  });

  it('stems words and drops stop words from a maintained list', () => {
    expect(terms('What is THE warranty?')).toEqual(['warranti']);
    expect(terms('returned, returning, returns')).toEqual(['return', 'return', 'return']);
    expect(terms('Is there a refund for it?')).toEqual(['refund']);
    expect(terms("I don't know item 12345")).toEqual(['dont', 'item', '12345']);
    // "cancelled" in the question finds the row that says "cancel".
    expect(index.search('Was my order cancelled?')[0]!.passage.location).toBe('row 2');
  });

  it('says how much of the question the best passage covers', () => {
    const [hit] = index.search('How long do refunds take?');
    expect(hit!.coverage).toBe(1);
    const partial = index.search('refunds for zebras')[0]!;
    expect(partial.passage.location).toBe('row 1');
    expect(partial.coverage).toBeGreaterThan(0);
    expect(partial.coverage).toBeLessThan(0.5);
  });

  it('weights the question field over the answer', () => {
    const qa: Passage[] = [
      { datasetId: 'd', datasetName: 'D', location: 'row 1', text: 'Do you sell helmets?\nYes, and locks too.', question: 'Do you sell helmets?', answer: 'Yes, and locks too.' },
      { datasetId: 'd', datasetName: 'D', location: 'row 2', text: 'Do you sell locks?\nYes, helmets are upstairs.', question: 'Do you sell locks?', answer: 'Yes, helmets are upstairs.' },
    ];
    const i = createBm25Index(qa);
    expect(i.search('helmets')[0]!.passage.location).toBe('row 1');
    expect(i.search('locks')[0]!.passage.location).toBe('row 2');
    // Passages saved before questions were stored get theirs from the text.
    expect(questionOf({ ...qa[0]!, question: undefined })).toBe('Do you sell helmets?');
  });

  it('stays exact at the upload limit: 200,000 rows, one code each', () => {
    const rows: Passage[] = Array.from({ length: 200_000 }, (_, i) => ({
      datasetId: 'd',
      datasetName: 'Catalogue',
      location: `row ${i + 1}`,
      text: `item ${i} colour ${['red', 'blue', 'green'][i % 3]}`,
    }));
    const big = createBm25Index(rows);
    expect(big.size).toBe(200_000);
    expect(big.search('item 12345')[0]!.passage.location).toBe('row 12346');
    expect(big.search('item 135')[0]!.passage.location).toBe('row 136');
    expect(big.search('item 199999 blue')[0]!.passage.location).toBe('row 200000');
  }, 30_000);
});
