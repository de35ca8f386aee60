import { describe, expect, it } from 'vitest';
import { DatasetRejectedError, validateDataset, type DatasetLimits } from './validateDataset.ts';
import { CsvSyntaxError, parseCsv } from './csv.ts';

const limits: DatasetLimits = { maxBytes: 1000, maxRows: 5, maxLineBytes: 80, maxColumns: 4 };
const b = (s: string) => Buffer.from(s, 'utf8');

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof DatasetRejectedError) return err.reason;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('validateDataset', () => {
  it('accepts a CSV with quoted fields, CRLF and a BOM', () => {
    const csv = '\ufeffquestion,answer\r\n"What is ""it""?","a, b"\r\n"multi\nline",x\r\n';
    expect(validateDataset(b(csv), 'qa.csv', limits)).toEqual({
      format: 'csv',
      bytes: b(csv).length,
      rows: 2,
      columns: ['question', 'answer'],
    });
  });

  it('accepts JSONL and collects its fields', () => {
    const s = '{"q":"a","a":"b"}\n\n{"q":"c","a":"d","tags":["x"]}\n';
    expect(validateDataset(b(s), 'x.JSONL', limits)).toMatchObject({ format: 'jsonl', rows: 2, columns: ['q', 'a', 'tags'] });
  });

  it('accepts text and markdown, counting lines', () => {
    expect(validateDataset(b('# Title\n\nbody\n'), 'notes.md', limits)).toMatchObject({ format: 'md', rows: 3 });
    expect(validateDataset(b('one line'), 'a.txt', limits)).toMatchObject({ format: 'txt', rows: 1 });
  });

  it.each([
    ['photo.png', b('x'), 'unsupported_format'],
    ['noext', b('x'), 'unsupported_format'],
    ['e.csv', b(''), 'empty'],
    ['ws.txt', b('  \n\n'), 'empty'],
    ['big.txt', Buffer.alloc(1001, 97), 'too_large'],
    ['img.csv', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), 'binary'],
    ['latin1.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]), 'invalid_utf8'],
    ['long.txt', b('x'.repeat(81)), 'line_too_long'],
    ['rows.txt', b('1\n2\n3\n4\n5\n6\n'), 'too_many_rows'],
    ['ragged.csv', b('a,b,c\n1,2,3\n4,5\n'), 'ragged_row'],
    ['dup.csv', b('a,a\n1,2\n'), 'bad_header'],
    ['emptyhdr.csv', b('a,,c\n1,2,3\n'), 'bad_header'],
    ['hdronly.csv', b('a,b\n'), 'no_rows'],
    ['quote.csv', b('a,b\n"open,2\n'), 'bad_csv'],
    ['stray.csv', b('a,b\nx"y,2\n'), 'bad_csv'],
    ['wide.csv', b('a,b,c,d,e\n1,2,3,4,5\n'), 'too_many_columns'],
    ['bad.jsonl', b('{"a":1}\n{oops}\n'), 'bad_json'],
    ['arr.jsonl', b('[1,2]\n'), 'bad_json'],
    ['emptyobj.jsonl', b('{}\n'), 'bad_json'],
    ['deep.jsonl', b(JSON.stringify({ a: { b: { c: { d: 1 } } } })), 'too_deep'],
  ])('rejects %s as %s', (name, bytes, expected) => {
    const l = name === 'deep.jsonl' ? { ...limits, maxDepth: 3 } : limits;
    expect(reason(() => validateDataset(bytes, name, l))).toBe(expected);
  });

  it('says where the problem is', () => {
    expect(() => validateDataset(b('a,b,c\n1,2,3\n4,5\n'), 'r.csv', limits)).toThrow(
      'Row on line 3 has 2 fields, but the header has 3.',
    );
    expect(() => validateDataset(Buffer.from([0x61, 0x62, 0xff, 0x0a]), 'r.txt', limits)).toThrow(/offset 2/);
  });
});

describe('parseCsv', () => {
  it('parses quoted fields and reports line numbers', () => {
    const records = [...parseCsv('a,"b\nc"\nd,e')];
    expect(records.map((r) => r.fields)).toEqual([
      ['a', 'b\nc'],
      ['d', 'e'],
    ]);
    expect(records[1]!.nextLine).toBe(3);
  });

  it('counts lines inside long quoted fields and refuses broken quoting', () => {
    const records = [...parseCsv('q,a\r\n"one\ntwo\nthree","say ""hi"""\r\nx,y')];
    expect(records.map((r) => r.fields)).toEqual([['q', 'a'], ['one\ntwo\nthree', 'say "hi"'], ['x', 'y']]);
    expect(records.map((r) => r.nextLine)).toEqual([2, 5, 5]);
    expect(() => [...parseCsv('a\n"open')]).toThrow(CsvSyntaxError);
    expect(() => [...parseCsv('a\n"x"y\n')]).toThrow('Unexpected text after a closing quote on line 2.');
  });
});
