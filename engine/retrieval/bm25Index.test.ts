import { describe, expect, it } from 'vitest';
import { parseDatasets } from '../finetune/parseDatasets.ts';
import { composeAnswer } from '../serve/composeAnswer.ts';
import { faqDataset, wasmTf } from '../testing/fixtures.ts';
import { createBm25Index, terms } from './bm25Index.ts';

describe('BM25 retrieval', async () => {
  const tf = await wasmTf();
  const { passages } = parseDatasets([faqDataset, { id: 'ds-notes', name: 'Notes', format: 'txt', text: 'Our warehouse is in Lyon.\n\nShipping abroad uses DHL and takes a week.' }]);
  const index = createBm25Index(tf, passages);

  it('ranks the passage that answers the query first', () => {
    expect(index.search('how long until my refund arrives?')[0]!.passage.location).toBe('row 1');
    expect(index.search('warranty on devices')[0]!.passage.answer).toMatch(/two year/);
    const abroad = index.search('ship abroad', 2);
    expect(abroad).toHaveLength(2);
    expect(abroad.map((h) => h.passage.datasetName).sort()).toEqual(['Notes', 'Refund FAQ']);
    expect(index.search('zebra quantum')).toEqual([]);
    expect(terms('What is THE warranty?')).toEqual(['warranty']);
  });

  it('answers cite their sources with dataset name and row/line', () => {
    const { text, citations } = composeAnswer('model says hi', index.search('cancel order'));
    expect(text.split('\n')[0]).toBe('Yes, orders can be cancelled until they ship. [1]');
    expect(text).toContain('[1] Refund FAQ, row 2: "Yes, orders can be cancelled until they ship."');
    expect(citations[0]).toMatchObject({ index: 1, datasetId: 'ds-faq', location: 'row 2' });
    expect(text).toContain('Model: model says hi');
    // A completion that only repeats the cited answer is not shown twice.
    expect(composeAnswer('Yes, orders can be cancelled until they ship.', index.search('cancel order')).text).not.toContain('Model:');
  });
});
