import { InputError } from '../errors.ts';

/** A CSV file breaks RFC 4180 (an unclosed quote, a stray quote); the message says where. */
export class CsvSyntaxError extends InputError {
  override name = 'CsvSyntaxError' as const;
}

/** One CSV record and the line the next one starts on (1-based), for messages that point at a line. */
export type CsvRecord = { fields: string[]; nextLine: number };

const countNewlines = (s: string) => {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
};

/**
 * The project's one CSV parser (validation, review inspection and training all read CSV
 * through it): RFC 4180 — comma-separated, fields optionally in double quotes (`""` escapes a
 * quote, quoted fields may span lines), CRLF or LF line ends. Yields records lazily; the caller
 * decides what the first record (the header) and blank lines mean.
 *
 * @throws CsvSyntaxError on an unterminated quoted field or a stray quote inside a field.
 */
export function* parseCsv(text: string): Generator<CsvRecord> {
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        // Copy between quotes in chunks: long quoted fields are the common case in Q&A data.
        for (;;) {
          const q = text.indexOf('"', i);
          if (q === -1) throw new CsvSyntaxError(`A quoted field that starts on line ${startLine} is never closed.`);
          const chunk = text.slice(i, q);
          field += chunk;
          line += countNewlines(chunk);
          if (text[q + 1] === '"') {
            field += '"';
            i = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        const after = text[i];
        if (after !== undefined && after !== ',' && after !== '\n' && !(after === '\r' && text[i + 1] === '\n'))
          throw new CsvSyntaxError(`Unexpected text after a closing quote on line ${line}.`);
      } else {
        const start = i;
        while (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          if (text[i] === '"') throw new CsvSyntaxError(`A stray double quote inside an unquoted field on line ${line}.`);
          i++;
        }
        field = text.slice(start, i);
      }
      fields.push(field);
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') {
        i++;
        line++;
      }
      break;
    }
    yield { fields, nextLine: line };
  }
}
