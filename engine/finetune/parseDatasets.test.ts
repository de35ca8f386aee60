import { describe, expect, it } from 'vitest';
import { InvalidDatasetError } from '../errors.ts';
import { faqDataset } from '../testing/fixtures.ts';
import { datasetLimits, parseDatasets, type DatasetInput } from './parseDatasets.ts';

const ds = (format: DatasetInput['format'], text: string, name = 'D'): DatasetInput => ({ id: `id-${name}`, name, format, text });
const fails = (inputs: DatasetInput[], pattern: RegExp) => {
  try {
    parseDatasets(inputs);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidDatasetError);
    expect((e as InvalidDatasetError).shortMessage).toMatch(pattern);
    return;
  }
  throw new Error('expected InvalidDatasetError');
};

describe('parseDatasets', () => {
  it('turns a Q&A CSV into "Q:/A:" documents and citable rows', () => {
    const p = parseDatasets([faqDataset]);
    expect(p.documents[1]).toBe('Q: Can I cancel my order?\nA: Yes, orders can be cancelled until they ship.\n');
    expect(p.passages[1]).toMatchObject({ datasetName: 'Refund FAQ', location: 'row 2', answer: 'Yes, orders can be cancelled until they ship.' });
    expect(p.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads JSONL records (Q&A and plain fields) and text paragraphs with line numbers', () => {
    const p = parseDatasets([
      ds('jsonl', '{"prompt":"Opening hours?","completion":"9 to 5 on weekdays."}\n\n{"title":"Returns","body":"Returns are free within 30 days of delivery."}\n', 'J'),
      ds('md', '# Shop guide\nWelcome to the shop.\n\nShipping is free above 50 euros for all orders.\n', 'M'),
    ]);
    expect(p.passages.map((x) => x.location)).toEqual(['line 1', 'line 3', 'line 1', 'line 4']);
    expect(p.documents[0]).toBe('Q: Opening hours?\nA: 9 to 5 on weekdays.\n');
    expect(p.documents[1]).toContain('body: Returns are free');
  });

  it('parses quoted CSV fields with commas, quotes and newlines (with the platform’s parser)', () => {
    const p = parseDatasets([ds('csv', '\ufeffa,b\n"x, ""y""","line1\nline2 is long enough to count as training data for the check"\n\n', 'Q')]);
    expect(p.passages).toEqual([
      { datasetId: 'id-Q', datasetName: 'Q', location: 'row 1', text: 'a: x, "y"\nb: line1\nline2 is long enough to count as training data for the check', answer: undefined },
    ]);
  });

  it('rejects empty, tiny, binary, oversized and malformed input with clear errors', () => {
    fails([], /at least one dataset/);
    fails([ds('txt', '   \n')], /is empty/);
    fails([ds('txt', 'hi there')], /too small/);
    fails([ds('csv', 'question,answer\n')], /no data rows/);
    fails([ds('csv', 'a,b\n"unterminated,1\n')], /not valid CSV/);
    fails([ds('jsonl', '{"q":"fine","a":"' + 'x'.repeat(80) + '"}\n{broken\n')], /line 2: not valid JSON/);
    fails([ds('jsonl', '[1,2,3]\n')], /line 1: expected a JSON object or string, got an array/);
    fails([ds('jsonl', '{"n": null}\n')], /no text fields/);
    fails([ds('csv', `question,answer\nok,${'fine answer '.repeat(10)}\nbin,\u0000\u0001\u0002\u0003\ufffd\ufffd\n`)], /row 2: the row is not text/);
    fails([ds('csv', `question,answer\nbig,${'x'.repeat(datasetLimits.maxRowChars + 1)}\n`)], /row 1: the row is 20\d{3} characters, the limit is 20000/);
  });
});
