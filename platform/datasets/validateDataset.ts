import { isUtf8 } from 'node:buffer';
import { InputError } from '../errors.ts';
import { CsvSyntaxError, parseCsv } from './csv.ts';

export const DATASET_FORMATS = ['csv', 'jsonl', 'txt', 'md'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export type DatasetLimits = {
  maxBytes: number;
  maxRows: number;
  maxLineBytes: number;
  maxColumns: number;
  /** Deepest nesting allowed in a JSONL row. */
  maxDepth?: number;
};

export type DatasetSummary = {
  format: DatasetFormat;
  bytes: number;
  /** Data rows (CSV: without the header; JSONL: objects; text: lines). */
  rows: number;
  /** CSV header or the JSONL keys seen; null for text. */
  columns: string[] | null;
};

/** Why an upload was refused. Each reason has a message written for the uploader. */
export type DatasetRejectionReason =
  | 'unsupported_format'
  | 'empty'
  | 'too_large'
  | 'binary'
  | 'invalid_utf8'
  | 'line_too_long'
  | 'too_many_rows'
  | 'bad_header'
  | 'ragged_row'
  | 'bad_csv'
  | 'bad_json'
  | 'too_deep'
  | 'too_many_columns'
  | 'no_rows';

/** The file was refused; `reason` says why in a machine-readable way. Nothing is stored. */
export class DatasetRejectedError extends InputError {
  override name = 'DatasetRejectedError' as const;
  readonly reason: DatasetRejectionReason;
  constructor(reason: DatasetRejectionReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

const EXTENSIONS: Record<string, DatasetFormat> = {
  csv: 'csv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  txt: 'txt',
  text: 'txt',
  md: 'md',
  markdown: 'md',
};

/** Maps a file name to its dataset format, or throws `DatasetRejectedError`. */
export function formatFromFileName(fileName: string): DatasetFormat {
  const ext = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase();
  const format = ext ? EXTENSIONS[ext] : undefined;
  if (!format)
    throw new DatasetRejectedError(
      'unsupported_format',
      `“${fileName}” is not a supported file type. Send a .csv, .jsonl, .txt or .md file.`,
    );
  return format;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Checks an uploaded file as data, never executing it: type, size, binary content, UTF-8,
 * line length, row count, and for CSV/JSONL the header and the shape of every row.
 *
 * @returns a summary of the dataset.
 * @throws DatasetRejectedError with a message for the uploader.
 */
export function validateDataset(bytes: Uint8Array, fileName: string, limits: DatasetLimits): DatasetSummary {
  const format = formatFromFileName(fileName);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length === 0) throw new DatasetRejectedError('empty', 'The file is empty.');
  if (buf.length > limits.maxBytes)
    throw new DatasetRejectedError(
      'too_large',
      `The file is too large: ${formatBytes(buf.length)}; the limit is ${formatBytes(limits.maxBytes)}.`,
    );
  const nul = buf.indexOf(0);
  if (nul !== -1)
    throw new DatasetRejectedError(
      'binary',
      `This looks like a binary file, not ${format.toUpperCase()} text (a zero byte at offset ${nul}).`,
    );
  if (!isUtf8(buf))
    throw new DatasetRejectedError(
      'invalid_utf8',
      `The file is not valid UTF-8 text (first bad byte at offset ${firstInvalidUtf8(buf)}). Save it as UTF-8 and send it again.`,
    );

  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  checkLineLengths(buf, limits.maxLineBytes);
  if (text.trim() === '') throw new DatasetRejectedError('empty', 'The file has no content (only whitespace).');

  const shape =
    format === 'csv' ? checkCsv(text, limits) : format === 'jsonl' ? checkJsonl(text, limits) : checkText(text, limits);
  return { format, bytes: buf.length, ...shape };
}

function tooManyRows(limits: DatasetLimits): never {
  throw new DatasetRejectedError('too_many_rows', `The file has more than ${limits.maxRows.toLocaleString('en')} rows.`);
}

function checkLineLengths(buf: Buffer, maxLineBytes: number) {
  let start = 0;
  let line = 1;
  while (start <= buf.length) {
    let end = buf.indexOf(10, start);
    if (end === -1) end = buf.length;
    if (end - start > maxLineBytes)
      throw new DatasetRejectedError(
        'line_too_long',
        `Line ${line} is ${formatBytes(end - start)} long; lines may be at most ${formatBytes(maxLineBytes)}.`,
      );
    start = end + 1;
    line++;
  }
}

function checkText(text: string, limits: DatasetLimits): Pick<DatasetSummary, 'rows' | 'columns'> {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  if (lines.length > limits.maxRows) tooManyRows(limits);
  return { rows: lines.length, columns: null };
}

function checkJsonl(text: string, limits: DatasetLimits): Pick<DatasetSummary, 'rows' | 'columns'> {
  const maxDepth = limits.maxDepth ?? 16;
  const columns = new Set<string>();
  let rows = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const value = parseJsonlRecord(line, i + 1);
    if (Object.keys(value).length === 0) throw new DatasetRejectedError('bad_json', `Line ${i + 1} is an empty object.`);
    if (depthOf(value, maxDepth + 1) > maxDepth)
      throw new DatasetRejectedError('too_deep', `Line ${i + 1} is nested deeper than ${maxDepth} levels.`);
    for (const k of Object.keys(value)) columns.add(k);
    if (columns.size > limits.maxColumns)
      throw new DatasetRejectedError('too_many_columns', `The records use more than ${limits.maxColumns} different fields.`);
    if (++rows > limits.maxRows) tooManyRows(limits);
  }
  if (rows === 0) throw new DatasetRejectedError('no_rows', 'The file has no JSON records.');
  return { rows, columns: [...columns] };
}

/** One JSONL line as the record it must be: a JSON object (else `DatasetRejectedError('bad_json')` naming the line). */
export function parseJsonlRecord(line: string, lineNumber: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new DatasetRejectedError('bad_json', `Line ${lineNumber} is not valid JSON (${(err as Error).message}).`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new DatasetRejectedError('bad_json', `Line ${lineNumber} is not a JSON object; each line must be one {…} record.`);
  return value as Record<string, unknown>;
}

function depthOf(value: unknown, cap: number): number {
  if (typeof value !== 'object' || value === null) return 0;
  if (cap <= 0) return 1;
  let max = 0;
  for (const v of Object.values(value)) max = Math.max(max, depthOf(v, cap - 1));
  return 1 + max;
}

/**
 * RFC 4180 CSV: comma-separated, fields optionally in double quotes (`""` escapes a quote,
 * quoted fields may span lines). The first record is the header.
 */
/** `parseCsv`, with its syntax errors as the uploader's rejection reason. */
function* csvRecords(text: string) {
  try {
    yield* parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new DatasetRejectedError('bad_csv', err.shortMessage);
    throw err;
  }
}

function checkCsv(text: string, limits: DatasetLimits): Pick<DatasetSummary, 'rows' | 'columns'> {
  let header: string[] | null = null;
  let rows = 0;
  let line = 1;
  for (const record of csvRecords(text)) {
    const fields = record.fields;
    // A blank line (one empty field) between records is tolerated.
    if (fields.length === 1 && fields[0] === '') {
      line = record.nextLine;
      continue;
    }
    if (!header) {
      header = fields.map((f) => f.trim());
      const empty = header.findIndex((h) => h === '');
      if (empty !== -1)
        throw new DatasetRejectedError('bad_header', `The CSV header has an empty column name (column ${empty + 1}).`);
      const seen = new Set<string>();
      for (const h of header) {
        if (seen.has(h)) throw new DatasetRejectedError('bad_header', `The CSV header repeats the column “${h}”.`);
        seen.add(h);
      }
      if (header.length > limits.maxColumns)
        throw new DatasetRejectedError('too_many_columns', `The CSV has ${header.length} columns; the limit is ${limits.maxColumns}.`);
    } else {
      if (fields.length !== header.length)
        throw new DatasetRejectedError(
          'ragged_row',
          `Row on line ${line} has ${fields.length} field${fields.length === 1 ? '' : 's'}, but the header has ${header.length}.`,
        );
      if (++rows > limits.maxRows) tooManyRows(limits);
    }
    line = record.nextLine;
  }
  if (!header) throw new DatasetRejectedError('bad_header', 'The CSV has no header row.');
  if (rows === 0) throw new DatasetRejectedError('no_rows', 'The CSV has a header but no data rows.');
  return { rows, columns: header };
}

/** Offset of the first byte that breaks UTF-8 (for the error message). */
function firstInvalidUtf8(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0) return i;
    for (let k = 1; k < len; k++) if (i + k >= buf.length || (buf[i + k]! & 0xc0) !== 0x80) return i;
    if (len > 1 && !isUtf8(buf.subarray(i, i + len))) return i;
    i += len;
  }
  return buf.length;
}
