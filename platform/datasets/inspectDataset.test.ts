import { describe, expect, it } from 'vitest';
import { inspectDataset, maskPersonalData, type DatasetFinding, type InspectDatasetParameters } from './inspectDataset.ts';
import { signatureFromBytes, signatureToBytes } from './minhash.ts';
import { validateDataset } from './validateDataset.ts';

const csv = (text: string, options?: Parameters<typeof inspectDataset>[1]) => inspectDataset({ format: 'csv', bytes: text, columns: null }, options);
const jsonl = (text: string, columns: string[] | null = null) => inspectDataset({ format: 'jsonl', bytes: text, columns });
const txt = (text: string, format: 'txt' | 'md' = 'txt') => inspectDataset({ format, bytes: text, columns: null });
const finding = (findings: DatasetFinding[], kind: DatasetFinding['kind']) => findings.find((f) => f.kind === kind);
const kinds = (findings: DatasetFinding[]) => findings.map((f) => f.kind);

/** A question–answer CSV of `n` distinct rows, the kind contributors upload. */
function qaRows(n: number, topic = 'geography'): string[] {
  return Array.from({ length: n }, (_, i) => `"What is fact ${i} about ${topic}?","Fact ${i} of ${topic} is number ${i * 7 + 3}."`);
}

describe('inspectDataset: summary', () => {
  it('infers column types and counts filled values (CSV)', () => {
    const { summary } = csv(
      [
        'name,age,joined,active,score,notes',
        'Ada,36,2024-06-01,true,9.5,first',
        'Grace,45,2023-12-09T10:30:00Z,FALSE,-3,',
        'Linus,,01.02.2022,true,1e3,',
      ].join('\n'),
    );
    expect(summary).toEqual({
      format: 'csv',
      rows: 3,
      columns: [
        { name: 'name', filled: 3, type: 'text' },
        { name: 'age', filled: 2, type: 'number' },
        { name: 'joined', filled: 3, type: 'date' },
        { name: 'active', filled: 3, type: 'boolean' },
        { name: 'score', filled: 3, type: 'number' },
        { name: 'notes', filled: 1, type: 'text' },
      ],
    });
  });

  it('reads a column of numbers mixed with words as text, and a never-filled column as empty', () => {
    const { summary } = csv('code,unused\n12,\nN/A,\n7,\n');
    expect(summary.columns).toEqual([
      { name: 'code', filled: 3, type: 'text' },
      { name: 'unused', filled: 0, type: 'empty' },
    ]);
  });

  it('counts the same rows as validation (quoted newlines, CRLF, blank lines, BOM)', () => {
    const file = '\ufeffq,a\r\n"multi\nline?","yes, really"\r\n\r\nsecond,row\r\n';
    const validated = validateDataset(Buffer.from(file), 'x.csv', { maxBytes: 1e6, maxRows: 100, maxLineBytes: 1000, maxColumns: 10 });
    const { summary, samples } = csv(file, { samples: 5 });
    expect(summary.rows).toBe(validated.rows);
    expect(summary.columns?.map((c) => c.name)).toEqual(validated.columns);
    expect(samples).toEqual([
      { location: 'row 1', text: 'q: multi\nline? | a: yes, really' },
      { location: 'row 2', text: 'q: second | a: row' },
    ]);
  });

  it('summarises JSONL keys in the recorded order, with JSON kinds', () => {
    const file = [
      '{"prompt":"Hi","completion":"Hello!","tags":["greeting"],"meta":{"lang":"en"},"rating":5}',
      '',
      '{"completion":"Bye","prompt":"Bye?","tags":[],"rating":"4","extra":true}',
    ].join('\n');
    const { summary } = jsonl(file, ['prompt', 'completion', 'tags', 'meta', 'rating']);
    expect(summary).toEqual({
      format: 'jsonl',
      rows: 2,
      columns: [
        { name: 'prompt', filled: 2, type: 'text' },
        { name: 'completion', filled: 2, type: 'text' },
        { name: 'tags', filled: 1, type: 'list' },
        { name: 'meta', filled: 1, type: 'object' },
        // 5 and "4": a number and a string that reads as one
        { name: 'rating', filled: 2, type: 'number' },
        { name: 'extra', filled: 1, type: 'boolean' },
      ],
    });
  });

  it('calls a JSONL column of objects and strings mixed', () => {
    const { summary } = jsonl('{"a":{"x":1}}\n{"a":"text"}\n');
    expect(summary.columns).toEqual([{ name: 'a', filled: 2, type: 'mixed' }]);
  });

  it('summarises text and markdown as lines', () => {
    const { summary } = txt('# Notes\n\nFirst paragraph here.\n   \nLast\n', 'md');
    expect(summary).toEqual({ format: 'md', rows: 5, lines: 5, nonEmptyLines: 3, averageLineLength: 10.7 });
  });

  it('accepts bytes as well as a string', () => {
    const bytes = new TextEncoder().encode('q,a\nx,y\n');
    expect(inspectDataset({ format: 'csv', bytes, columns: ['q', 'a'] }).summary.rows).toBe(1);
  });
});

describe('inspectDataset: samples', () => {
  it('picks rows spread through the file, the same ones every time', () => {
    const file = ['q,a', ...qaRows(100)].join('\n');
    const a = csv(file);
    expect(a.samples.map((s) => s.location)).toEqual(['row 1', 'row 51', 'row 100']);
    expect(csv(file).samples).toEqual(a.samples);
    expect(csv(file, { samples: 5 }).samples.map((s) => s.location)).toEqual(['row 1', 'row 26', 'row 51', 'row 75', 'row 100']);
    expect(csv(file, { samples: 0 }).samples).toEqual([]);
  });

  it('skips empty and repeated rows, and blank lines in text', () => {
    const { samples } = txt('\n\nalpha\nalpha\n\nbeta\n\n');
    expect(samples).toEqual([
      { location: 'line 3', text: 'alpha' },
      { location: 'line 6', text: 'beta' },
    ]);
  });

  it('masks e-mail addresses, phone and card numbers in samples', () => {
    const file = [
      'name,contact,note',
      'Jane,jane.doe@example.com,"Call +49 170 5550123 after 6"',
      'Joe,(555) 123-4567,"Paid with 4242 4242 4242 4242, thanks"',
    ].join('\n');
    const { samples } = csv(file);
    expect(samples.map((s) => s.text)).toEqual([
      'name: Jane | contact: j***@example.com | note: Call +49 ••• ••••123 after 6',
      'name: Joe | contact: (•••) •••-•567 | note: Paid with •••• •••• •••• 4242, thanks',
    ]);
  });

  it('masks inside JSONL string values, escapes included', () => {
    const { samples } = jsonl(`${JSON.stringify({ text: 'Reach me:\nbob@mail.example.org or 020 7946 0958', n: 4111111111111111 })}\n`);
    expect(samples).toEqual([{ location: 'line 1', text: '{"text":"Reach me:\\nb***@mail.example.org or ••• •••• •958","n":"••••••••••••1111"}' }]);
  });

  it('cuts long rows after masking, so a cut never reveals part of an address', () => {
    const { samples } = inspectDataset(
      { format: 'txt', bytes: `${'x'.repeat(20)} someone.long.name@example.com and more`, columns: null },
      { maxSampleChars: 40 },
    );
    const text = samples[0]!.text;
    expect(text).toBe(`${'x'.repeat(20)} s***@example.com a…`);
    expect(csv(`a\n${'é'.repeat(400)}`).samples[0]!.text).toHaveLength(300);
  });

  it('does not split a surrogate pair when cutting', () => {
    const { samples } = inspectDataset({ format: 'txt', bytes: `a${'😀'.repeat(10)}`, columns: null }, { maxSampleChars: 5 });
    expect(samples[0]!.text).toBe('a😀…');
  });
});

describe('inspectDataset: personal data findings', () => {
  it('reports rows with e-mail addresses without quoting them', () => {
    const file = ['q,a', 'Who wrote it?,Ask ada@lovelace.org', 'Plain,row', 'Contact?,"x@y.co, z@w.io"'].join('\n');
    const f = finding(csv(file).findings, 'email_addresses')!;
    expect(f).toEqual({
      kind: 'email_addresses',
      severity: 'warning',
      message: '2 rows contain e-mail addresses (personal data).',
      count: 2,
      locations: ['row 1', 'row 3'],
    });
    expect(f.message).not.toMatch(/@/);
  });

  it.each([
    ['not an address', 'user@localhost, @handle, a@b, name at example dot com'],
    ['code', 'decorators like @Component and emails.send()'],
  ])('finds no e-mail in %s', (_, line) => {
    expect(finding(txt(line).findings, 'email_addresses')).toBeUndefined();
  });

  it.each([
    '+49 170 5550123',
    '+1 (555) 123-4567',
    '+44 20 7946 0958',
    '+33612345678',
    '+49 (0)30 1234567',
    '030 1234567',
    '0171-2345678',
    '06 12 34 56 78',
    '020 7946 0958',
    '(555) 123-4567',
    '555-123-4567',
    '555.123.4567',
    '1-555-123-4567',
  ])('finds the phone number %s', (phone) => {
    const { findings } = txt(`Call me on ${phone} tomorrow.`);
    expect(finding(findings, 'phone_numbers')).toMatchObject({ count: 1, locations: ['line 1'] });
  });

  it.each([
    ['a date', 'Delivered on 2024-06-01.'],
    ['a date and time', 'At 01-06-2024 1230 we met; then 2024-06-01 10:30.'],
    ['a European date', 'Meeting 01.06.2024 12.30'],
    ['a price', 'Price 1299.00 EUR, was 1 299,00'],
    ['an amount with thousands', 'Revenue 12 345 678 and 1 234 567,89 €'],
    ['a plain integer id', 'Order 1234567890123 and user 4915112345678'],
    ['an IP and a version', 'Host 192.168.100.200 runs 10.0.19041.1234'],
    ['an ISBN', 'ISBN 978-3-16-148410-0 and 0-306-40615-2'],
    ['an IBAN', 'IBAN DE89 3704 0044 0532 0130 00'],
    ['coordinates', 'At 52.5200 13.4050'],
    ['decimals', 'Weights 0.1234 0.5678 and 0.123456789'],
    ['a range', 'Years 2019-2020-2021'],
    ['an id with letters', 'Ticket ABC-030-1234567 and 030 1234567x'],
  ])('finds no phone number in %s', (_, line) => {
    expect(finding(txt(line).findings, 'phone_numbers')).toBeUndefined();
  });

  it.each([
    '4242 4242 4242 4242',
    '4111111111111111',
    '5555-5555-5555-4444',
    '3782 822463 10005', // Amex grouping
    '6011 1111 1111 1117',
  ])('finds the card number %s', (card) => {
    expect(finding(txt(`Card: ${card}.`).findings, 'card_numbers')).toMatchObject({ count: 1, severity: 'warning' });
  });

  it.each([
    ['a number failing Luhn', 'Card 4242 4242 4242 4241'],
    ['an order number', 'Order 1234567890123'],
    ['a long id that passes Luhn but no issuer starts with 1', 'Id 1000000000009'],
    ['mixed separators', '4242-4242 4242-4242'],
    ['odd grouping', '42 4242 4242 4242 42'],
    ['part of a longer number', 'Ref 4242424242424242424242'],
    ['a phone number', '+49 170 5550123'],
  ])('finds no card number in %s', (_, line) => {
    expect(finding(txt(line).findings, 'card_numbers')).toBeUndefined();
  });

  it('looks for personal data in nested JSONL values', () => {
    const file = [
      JSON.stringify({ messages: [{ role: 'user', content: 'My card is 4111 1111 1111 1111' }] }),
      JSON.stringify({ messages: [{ role: 'user', content: 'Nothing here, order 2024-06-01' }] }),
      JSON.stringify({ contact: { phone: '+44 20 7946 0958' } }),
    ].join('\n');
    const { findings } = jsonl(file);
    expect(finding(findings, 'card_numbers')).toMatchObject({ count: 1, locations: ['line 1'] });
    expect(finding(findings, 'phone_numbers')).toMatchObject({ count: 1, locations: ['line 3'] });
  });

  it('lists at most 5 locations but counts them all', () => {
    const lines = Array.from({ length: 12 }, (_, i) => `person${i}@example.com`);
    const f = finding(txt(lines.join('\n')).findings, 'email_addresses')!;
    expect(f.count).toBe(12);
    expect(f.locations).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
    expect(f.message).toBe('12 lines contain e-mail addresses (personal data).');
  });
});

describe('inspectDataset: empty and repeated rows', () => {
  it('reports CSV rows whose fields are all blank, not blank lines between records', () => {
    const { findings, summary } = csv('a,b\n1,2\n,\n\n" ", \n3,4\n');
    expect(summary.rows).toBe(4);
    expect(finding(findings, 'empty_rows')).toEqual({
      kind: 'empty_rows',
      severity: 'info',
      message: '2 rows are empty (every value is blank).',
      count: 2,
      locations: ['row 2', 'row 3'],
    });
  });

  it('reports JSONL records whose values are all blank', () => {
    const { findings } = jsonl('{"q":"a","r":"b"}\n{"q":"","r":null}\n{"q":"  ","r":[]}\n{"q":0,"r":""}\n');
    expect(finding(findings, 'empty_rows')).toMatchObject({ count: 2, locations: ['line 2', 'line 3'] });
  });

  it('never reports blank lines in text or markdown as empty', () => {
    expect(finding(txt('para one\n\n\npara two\n', 'md').findings, 'empty_rows')).toBeUndefined();
  });

  it('reports repeated rows after normalising whitespace, with where they repeat', () => {
    const file = ['q,a', 'What is 2+2?,4', 'Capital of France?,Paris', '  What is   2+2? ,4', 'What is 2+2?,4', 'Capital of France?,Paris'].join('\n');
    expect(finding(csv(file).findings, 'repeated_rows')).toEqual({
      kind: 'repeated_rows',
      severity: 'info',
      message: '3 rows repeat earlier ones (2 distinct rows appear more than once; e.g. row 3 is the same as row 1).',
      count: 3,
      locations: ['row 3', 'row 4', 'row 5'],
    });
  });

  it('treats tabs, line breaks in fields and wide spaces as whitespace', () => {
    expect(finding(txt('alpha beta\n  alpha\t\u00a0beta  \r\n').findings, 'repeated_rows')).toMatchObject({ count: 1, locations: ['line 2'] });
    const file = 'q,a\n"two\nlines",x\n"two   lines ", x\n';
    expect(finding(csv(file).findings, 'repeated_rows')).toMatchObject({ count: 1, locations: ['row 2'] });
  });

  it('treats case differences as different rows', () => {
    expect(finding(csv('q\nHello\nhello\n').findings, 'repeated_rows')).toBeUndefined();
  });

  it('does not count repeated markdown structure (fences, rules) as repeats', () => {
    const md = '# A\n```\ncode\n```\n---\n# B\n```\nmore\n```\n---\n';
    expect(finding(txt(md, 'md').findings, 'repeated_rows')).toBeUndefined();
    expect(finding(txt('same line\nother\nsame line\n').findings, 'repeated_rows')).toMatchObject({ count: 1, locations: ['line 3'] });
  });

  it('finds nothing in a clean file', () => {
    expect(csv(['q,a', ...qaRows(50)].join('\n')).findings).toEqual([]);
  });
});

describe('inspectDataset: near-duplicates', () => {
  /** Deterministic shuffle, so a failure can be replayed. */
  function shuffled<T>(items: T[], seed: number): T[] {
    const out = [...items];
    let s = seed;
    for (let i = out.length - 1; i > 0; i--) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const j = s % (i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  const original = qaRows(2000);
  const stored = csv(['q,a', ...original].join('\n')).signature;
  const unrelated = csv(['q,a', ...qaRows(2000, 'chemistry')].join('\n')).signature;

  it('finds a shuffled copy that shares 90 % of the rows', () => {
    const copy = shuffled([...original.slice(0, 1800), ...qaRows(200, 'music')], 42);
    const { findings } = csv(['question,answer', ...copy].join('\n'), {
      others: [
        { id: 'ds_unrelated', signature: unrelated },
        { id: 'ds_original', signature: signatureFromBytes(signatureToBytes(stored)) },
      ],
    });
    const f = finding(findings, 'near_duplicate')!;
    expect(f).toMatchObject({ kind: 'near_duplicate', severity: 'warning', count: 1, locations: ['ds_original'] });
    // 1800 of its 2000 rows are in ds_original: 90 %, within the estimate's error.
    const percent = Number(/≈ (\d+) % of its rows also appear in dataset ds_original\./.exec(f.message)?.[1]);
    expect(percent).toBeGreaterThanOrEqual(80);
    expect(percent).toBeLessThanOrEqual(100);
  });

  it('finds nothing against unrelated datasets', () => {
    const { findings } = csv(['q,a', ...original.slice(0, 500)].join('\n'), {
      others: [{ id: 'ds_unrelated', signature: unrelated }],
    });
    expect(kinds(findings)).not.toContain('near_duplicate');
  });

  it('finds an exact copy in another format of row order, listing every close dataset', () => {
    const { findings } = csv(['q,a', ...shuffled(original, 1)].join('\n'), {
      others: [
        { id: 'ds_b', signature: [...stored] },
        { id: 'ds_a', signature: stored },
      ],
    });
    expect(finding(findings, 'near_duplicate')).toMatchObject({
      message: '≈ 100 % of its rows also appear in dataset ds_a. It is also close to 1 other dataset.',
      count: 2,
      locations: ['ds_a', 'ds_b'],
    });
  });

  it('skips stored signatures of another length', () => {
    const { findings } = csv(['q,a', ...original].join('\n'), { others: [{ id: 'ds_old', signature: stored.slice(0, 64) }] });
    expect(findings).toEqual([]);
  });

  it('gives the same signature for the same rows in any order', () => {
    expect(csv(['q,a', ...shuffled(original, 9)].join('\n')).signature).toEqual(stored);
  });
});

describe('inspectDataset: speed', () => {
  it('inspects 200,000 rows in a small multiple of splitting the text into lines', () => {
    const rows = Array.from(
      { length: 200_000 },
      (_, i) => `${i},"Question ${i}: what is ${i % 97} times ${i % 89}?",${(i % 97) * (i % 89)},${(i % 1000) / 10}`,
    );
    const text = `id,question,answer,score\n${rows.join('\n')}\n`;
    const bytes = Buffer.from(text);
    const params: InspectDatasetParameters = { format: 'csv', bytes, columns: null };
    // CPU time, best of two runs for both: other processes on a shared machine then disturb
    // the ratio far less than they disturb wall-clock time.
    const cpuMs = (fn: () => void) => {
      const t = process.cpuUsage();
      fn();
      const d = process.cpuUsage(t);
      return (d.user + d.system) / 1000;
    };
    let baseline = Infinity;
    let inspection = Infinity;
    for (let r = 0; r < 2; r++) {
      let lines: string[] = [];
      baseline = Math.min(baseline, cpuMs(() => (lines = bytes.toString('utf8').split('\n'))));
      let rows = 0;
      inspection = Math.min(inspection, cpuMs(() => (rows = inspectDataset(params).summary.rows)));
      expect(rows).toBe(lines.length - 2);
    }
    console.info(
      `inspectDataset: ${(bytes.length / 1e6).toFixed(1)} MB, 200,000 rows in ${inspection.toFixed(0)} ms CPU; decode + split: ${baseline.toFixed(0)} ms (×${(inspection / baseline).toFixed(0)})`,
    );
    // Generous: this catches an accidental quadratic pass (×1000s), not a slow machine.
    expect(inspection / baseline).toBeLessThan(400);
  });
});

describe('maskPersonalData', () => {
  it('leaves text without personal data untouched', () => {
    const text = 'On 2024-06-01 order 1234567890123 cost 1299.00.';
    expect(maskPersonalData(text)).toBe(text);
  });
});
