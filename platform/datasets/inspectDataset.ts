import { parseJsonlRecord, type DatasetFormat, type DatasetRejectedError } from './validateDataset.ts';
import { parseCsv } from './csv.ts';
import { estimateDistinctCount, estimateJaccard, hashRow, minhashOfHashes } from './minhash.ts';

/** What a column's non-empty values look like. `mixed`: JSONL values of different JSON kinds. */
export type ColumnType = 'number' | 'boolean' | 'date' | 'text' | 'object' | 'list' | 'mixed' | 'empty';

export type ColumnSummary = {
  name: string;
  /** Rows in which the column is present and not blank. */
  filled: number;
  type: ColumnType;
};

export type TableSummary = {
  format: 'csv' | 'jsonl';
  /** Data rows (CSV: without the header; JSONL: records), as validation counted them. */
  rows: number;
  columns: ColumnSummary[];
  // Absent here, so code can test `summary.lines !== undefined` without narrowing on `format`.
  lines?: undefined;
  nonEmptyLines?: undefined;
  averageLineLength?: undefined;
};

export type TextSummary = {
  format: 'txt' | 'md';
  /** Lines, as validation counted them (blank ones included). */
  rows: number;
  lines: number;
  nonEmptyLines: number;
  /** Mean length of the non-empty lines, in characters (UTF-16 units), one decimal. */
  averageLineLength: number;
  columns?: undefined;
};

export type InspectionSummary = TableSummary | TextSummary;

export type DatasetSample = {
  /** "row 12" (CSV data rows, from 1) or "line 7" (JSONL, TXT, MD). */
  location: string;
  /** The row with personal data masked, cut to `maxSampleChars` (an ellipsis marks a cut). */
  text: string;
};

export type FindingKind = 'near_duplicate' | 'email_addresses' | 'phone_numbers' | 'card_numbers' | 'empty_rows' | 'repeated_rows';

/** One automatic observation for validators. Messages never quote the personal data found. */
export type DatasetFinding = {
  kind: FindingKind;
  severity: 'info' | 'warning';
  message: string;
  /** Rows affected (for `near_duplicate`: datasets matched). */
  count: number;
  /** Up to 5 of them, in file order ("row 12", "line 7"; for `near_duplicate`: dataset ids, closest first). */
  locations: string[];
};

export type InspectDatasetParameters = {
  format: DatasetFormat;
  /** The file as uploaded (it has passed `validateDataset`). */
  bytes: Uint8Array | string;
  /**
   * The columns validation recorded. CSV uses its own header; for JSONL these fix the column
   * order (keys not listed are added in the order first seen). Null for text.
   */
  columns: string[] | null;
};

export type InspectDatasetOptions = {
  /** How many sample rows to show. Default 3. */
  samples?: number;
  /** Longest sample text, in characters. Default 300. */
  maxSampleChars?: number;
  /** Signatures of existing datasets to check for near-duplicates (others' lengths must match; mismatched ones are skipped). */
  others?: ReadonlyArray<{ id: string; signature: Uint32Array | readonly number[] }>;
};

export type InspectDatasetReturnType = {
  summary: InspectionSummary;
  samples: DatasetSample[];
  findings: DatasetFinding[];
  /** MinHash signature of the rows (see minhash.ts); store it to compare later uploads. */
  signature: Uint32Array;
};

/** What validators see about a dataset (the return type of {@link inspectDataset}). */
export type DatasetInspection = InspectDatasetReturnType;

export type InspectDatasetErrorType = DatasetRejectedError;

/** Estimated Jaccard similarity from which a dataset counts as a near-duplicate of another. */
export const NEAR_DUPLICATE_SIMILARITY = 0.7;
const MAX_LOCATIONS = 5;

/**
 * Builds the card validators review a dataset from: a schema summary, a few sample rows spread
 * through the file with personal data masked, automatic findings (near-duplicates of existing
 * datasets, e-mail addresses, phone numbers, payment card numbers, empty and repeated rows),
 * and the MinHash signature to store. One pass over the rows: a 200,000-row, 10 MB upload takes
 * under a second on one core (see bench/datasets.bench.ts).
 *
 * @param params the file, its format and the columns validation recorded.
 * @param options how many samples, how long, and which datasets to compare with.
 * @throws DatasetRejectedError if the file is not well-formed (it should have passed `validateDataset`).
 * @example
 * const { summary, samples, findings, signature } = inspectDataset(
 *   { format: 'csv', bytes, columns: dataset.columns },
 *   { others: existing.map((d) => ({ id: d.publicId, signature: signatureFromBytes(d.minhash) })) },
 * );
 */
export function inspectDataset(params: InspectDatasetParameters, options: InspectDatasetOptions = {}): InspectDatasetReturnType {
  const sampleCount = Math.max(0, Math.floor(options.samples ?? 3));
  const maxSampleChars = Math.max(1, Math.floor(options.maxSampleChars ?? 300));
  let text = typeof params.bytes === 'string' ? params.bytes : Buffer.from(params.bytes.buffer, params.bytes.byteOffset, params.bytes.byteLength).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  // Each reader numbers its rows from 0 (ordinals); `locate` turns one into what people read.
  let read: Reader;
  let rows: RowTally;
  let locate: (ordinal: number) => string;
  if (params.format === 'csv') {
    locate = (ordinal) => `row ${ordinal + 1}`;
    read = readCsv(text, (rows = createRowTally('csv', locate)));
  } else if (params.format === 'jsonl') {
    const lineOf: number[] = []; // record ordinal → line index
    locate = (ordinal) => `line ${lineOf[ordinal]! + 1}`;
    read = readJsonl(params.columns, text.split('\n'), lineOf, (rows = createRowTally('jsonl', locate)));
  } else {
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    locate = (ordinal) => `line ${ordinal + 1}`;
    read = readText(params.format, lines, (rows = createRowTally(params.format, locate)));
  }

  const signature = minhashOfHashes(rows.rowHashes());
  const picked = pickSpread(rows.pickable, sampleCount);
  const samples = picked.map((ordinal) => ({ location: locate(ordinal), text: cut(read.display(ordinal), maxSampleChars) }));
  const findings = [...nearDuplicateFindings(signature, options.others ?? []), ...rowFindings(rows, params.format)];
  return { summary: read.summary, samples, findings, signature };
}

// ---------------------------------------------------------------------------------------------
// Rows: each format's reader feeds every row to one tally.

type Tally = { count: number; locations: string[] };

function note(t: Tally, location: string): void {
  t.count++;
  if (t.locations.length < MAX_LOCATIONS) t.locations.push(location);
}

type RowTally = ReturnType<typeof createRowTally>;

/**
 * Counts what the findings need, row by row. It runs 200,000 times for a large upload, so it
 * allocates nothing per row: locations are made only for the few rows a finding lists.
 *
 * @param locate names a row from its ordinal ("row 12", "line 7").
 */
function createRowTally(format: DatasetFormat, locate: (ordinal: number) => string) {
  const tally = {
    emails: { count: 0, locations: [] } as Tally,
    phones: { count: 0, locations: [] } as Tally,
    cards: { count: 0, locations: [] } as Tally,
    empty: { count: 0, locations: [] } as Tally,
    repeats: { count: 0, locations: [] } as Tally,
    /** The first repeat, for the message ("row 40 is the same as row 3"). */
    firstRepeat: null as { location: string; of: string } | null,
    /** Distinct non-empty rows, by their 64-bit hash (see `profileRow`) → their first ordinal. */
    distinct: createRowSet(),
    /** MinHash words ({@link hashRow}) of the distinct rows. */
    hashes: new Uint32Array(1024),
    distinctCount: 0,
    /** Ordinals (first appearances) of the rows that appear more than once. */
    repeated: new Set<number>(),
    /** Ordinals of the rows samples may show: non-empty first appearances. */
    pickable: [] as number[],
    found: { email: false, phone: false, card: false } as Record<PersonalDataKind, boolean>,

    addEmpty(ordinal: number): void {
      note(tally.empty, locate(ordinal));
    },

    /**
     * @param key the row as compared for repeats (whitespace-normalised, fields joined by U+001F).
     * @param p its profile (`profileRow`), for the hash.
     */
    add(ordinal: number, key: string, p: RowProfile): void {
      const first = tally.distinct.firstOrAdd(p.hashA, p.hashB, ordinal);
      if (first === -1) {
        tally.pickable.push(ordinal);
        if (tally.distinctCount === tally.hashes.length) {
          const grown = new Uint32Array(tally.hashes.length * 2);
          grown.set(tally.hashes);
          tally.hashes = grown;
        }
        tally.hashes[tally.distinctCount++] = hashRow(key);
      } else if (format === 'csv' || format === 'jsonl' || HAS_WORD.test(key)) {
        // Lines of only punctuation ("---", "```") repeat in any markdown; they are structure.
        tally.repeats.count++;
        if (tally.repeats.locations.length < MAX_LOCATIONS) tally.repeats.locations.push(locate(ordinal));
        tally.firstRepeat ??= { location: locate(ordinal), of: locate(first) };
        tally.repeated.add(first);
      }
    },

    /** Looks for personal data in one value of the current row (call `endRow` after the row's values). */
    scan(value: string): void {
      if (mayHoldPersonalData(value)) for (const f of findPersonalData(value)) tally.found[f.kind] = true;
    },

    endRow(ordinal: number): void {
      const found = tally.found;
      if (!(found.email || found.phone || found.card)) return;
      const location = locate(ordinal);
      if (found.email) note(tally.emails, location);
      if (found.phone) note(tally.phones, location);
      if (found.card) note(tally.cards, location);
      found.email = found.phone = found.card = false;
    },

    rowHashes: () => tally.hashes.subarray(0, tally.distinctCount),
  };
  return tally;
}

const HAS_WORD = /[\p{L}\p{N}]/u;

/** Joins a row's fields in its key: U+001F (unit separator) cannot be typed, so fields never merge. */
const FIELD_SEPARATOR = '\u001f';

/** What one pass over a row's text finds. One object is reused for every row. */
type RowProfile = {
  /** 64-bit hash of the text, in two words; rows with equal hashes are taken as equal. */
  hashA: number;
  hashB: number;
  /** Every field already trimmed, with single spaces: the text is its own key for repeats. */
  squashed: boolean;
  /** Nothing but whitespace and field separators. */
  blank: boolean;
  /** An '@', or 8 digits (the fewest in a phone number) in one run of digits and separators. */
  mayHoldPersonalData: boolean;
};

/**
 * One pass over a row (fields joined by U+001F) for everything the tally needs, because at
 * 200,000 rows each extra pass over the text costs as much as MinHash's permutations.
 *
 * The hash has two 32-bit lanes with different multipliers, each finished with MurmurHash3's
 * `fmix32`: two different rows of a 200,000-row file share it with probability about n²/2⁶⁵
 * (10⁻⁹), which is what "exact duplicates" rests on.
 */
function profileRow(s: string, p: RowProfile): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  let squashed = true;
  let blank = true;
  let pii = false;
  let digits = 0;
  let fieldStart = true;
  let afterSpace = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
    if (c > 32 && c < 0x7f) {
      blank = fieldStart = afterSpace = false;
      if (c >= 48 && c <= 57) {
        if (++digits >= 8) pii = true;
      } else if (c === 64) pii = true;
      // Phone numbers run on over these: "+49 (0)30 123-45.67".
      else if (c !== 45 && c !== 46 && c !== 40 && c !== 41 && c !== 43) digits = 0;
    } else if (c === 32) {
      if (fieldStart || afterSpace) squashed = false;
      afterSpace = true;
    } else if (c === 0x1f) {
      if (afterSpace) squashed = false;
      fieldStart = true;
      afterSpace = false;
      digits = 0;
    } else if ((c >= 9 && c <= 13) || (c >= 0x80 && isUnicodeSpace(c))) {
      // A tab, a line break or a wide space: never in a squashed row.
      squashed = false;
      afterSpace = true;
      if (c !== 0xa0) digits = 0;
    } else {
      blank = fieldStart = afterSpace = false;
      digits = 0;
    }
  }
  if (afterSpace) squashed = false;
  p.hashA = fmix32(a) | 0;
  p.hashB = fmix32(b ^ s.length) | 0;
  p.squashed = squashed;
  p.blank = blank;
  p.mayHoldPersonalData = pii;
}

/** `\s` beyond ASCII, by code unit. */
function isUnicodeSpace(c: number): boolean {
  return (
    c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Trims and collapses whitespace runs: the form in which rows are compared for repeats. */
const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * Profiles a row and, when it was not already in squashed form, squashes it and hashes again,
 * so that rows differing only in whitespace get the same hash. Returns the key.
 */
function keyOf(row: string, fields: string[] | null, p: RowProfile): string {
  profileRow(row, p);
  if (p.squashed || p.blank) return row;
  const key = fields ? fields.map(squash).join(FIELD_SEPARATOR) : squash(row);
  const pii = p.mayHoldPersonalData;
  profileRow(key, p);
  p.mayHoldPersonalData = pii; // from the original text, which is what gets scanned
  return key;
}

const createProfile = (): RowProfile => ({ hashA: 0, hashB: 0, squashed: true, blank: true, mayHoldPersonalData: false });

/**
 * A set of 64-bit row hashes with the ordinal first seen for each: open addressing over typed
 * arrays, because a Map of 200,000 fresh keys costs more than the rest of the pass (V8 hashes
 * every key again and keeps it on the heap).
 */
function createRowSet() {
  let mask = (1 << 14) - 1;
  let hashA = new Int32Array(mask + 1);
  let hashB = new Int32Array(mask + 1);
  let first = new Int32Array(mask + 1).fill(-1);
  let size = 0;
  // Hashes are uniform already, so their low bits are the slot; probing is linear.
  const slot = (a: number, b: number) => {
    let i = b & mask;
    while (first[i] !== -1 && (hashA[i] !== a || hashB[i] !== b)) i = (i + 1) & mask;
    return i;
  };
  return {
    /** The ordinal first seen with this hash, or -1 after recording `ordinal` for it. */
    firstOrAdd(a: number, b: number, ordinal: number): number {
      let i = slot(a, b);
      if (first[i] !== -1) return first[i]!;
      if (2 * (size + 1) > mask + 1) {
        // Grow at half full, keeping probe runs short.
        const [oldA, oldB, oldFirst] = [hashA, hashB, first];
        mask = mask * 2 + 1;
        hashA = new Int32Array(mask + 1);
        hashB = new Int32Array(mask + 1);
        first = new Int32Array(mask + 1).fill(-1);
        for (let j = 0; j < oldFirst.length; j++) {
          if (oldFirst[j] === -1) continue;
          const k = slot(oldA[j]!, oldB[j]!);
          hashA[k] = oldA[j]!;
          hashB[k] = oldB[j]!;
          first[k] = oldFirst[j]!;
        }
        i = slot(a, b);
      }
      hashA[i] = a;
      hashB[i] = b;
      first[i] = ordinal;
      size++;
      return -1;
    },
  };
}

type Reader = {
  summary: InspectionSummary;
  /** The row as a validator reads it, personal data masked, not yet cut. */
  display(ordinal: number): string;
};

function readCsv(text: string, rows: RowTally): Reader {
  let header: string[] | null = null;
  // Where each record starts (line numbers): records are parsed again for the few samples
  // rather than kept, which would hold every field of a 200,000-row file in memory.
  const startLine: number[] = [];
  let stats: ColumnStats[] = [];
  const p = createProfile();
  let line = 1;
  for (const { fields, nextLine } of parseCsv(text)) {
    const start = line;
    line = nextLine;
    // validateDataset skips a lone empty field (a blank line); so do we, to count the same rows.
    if (fields.length === 1 && fields[0] === '') continue;
    if (!header) {
      header = fields.map((f) => f.trim());
      stats = header.map((name) => createColumnStats(name));
      continue;
    }
    const ordinal = startLine.length;
    startLine.push(start);
    const key = keyOf(fields.join(FIELD_SEPARATOR), fields, p);
    if (p.blank) {
      rows.addEmpty(ordinal);
      continue;
    }
    for (let c = 0; c < fields.length; c++) {
      const field = fields[c]!;
      const value = p.squashed ? field : field.trim();
      if (value === '') continue;
      if (p.mayHoldPersonalData) rows.scan(field);
      const col = stats[c];
      if (col) {
        col.filled++;
        // Once a CSV column is text nothing can change that; skip the regexes.
        if (col.kinds !== TEXT) col.kinds |= kindOfText(value);
      }
    }
    rows.add(ordinal, key, p);
    rows.endRow(ordinal);
  }
  const names = header ?? [];
  return {
    summary: { format: 'csv', rows: startLine.length, columns: stats.map(summariseColumn) },
    display(ordinal) {
      const fields = recordAt(text, startLine[ordinal]!);
      return fields.map((value, c) => `${names[c] ?? `column ${c + 1}`}: ${value.trim() === '' ? '—' : maskPersonalData(value.trim())}`).join(' | ');
    },
  };
}

/** The fields of the CSV record that starts on line `line` (1-based). */
function recordAt(text: string, line: number): string[] {
  let offset = 0;
  for (let l = 1; l < line; l++) offset = text.indexOf('\n', offset) + 1;
  return parseCsv(text.slice(offset)).next().value?.fields ?? [];
}

function readJsonl(columns: string[] | null, lines: string[], lineOf: number[], rows: RowTally): Reader {
  const stats = new Map<string, ColumnStats>();
  for (const name of columns ?? []) stats.set(name, createColumnStats(name));
  const p = createProfile();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const key = keyOf(line, null, p);
    if (p.blank) continue; // blank lines between records are allowed and are not records
    const value = parseJsonlRecord(line, i + 1);
    const ordinal = lineOf.length;
    lineOf.push(i);
    let blank = true;
    for (const name in value) {
      const v = (value as Record<string, unknown>)[name];
      let col = stats.get(name);
      if (!col) stats.set(name, (col = createColumnStats(name)));
      if (isBlank(v)) continue;
      blank = false;
      col.filled++;
      col.kinds |= kindOfJson(v);
      // The raw line is a fair first filter: escapes do not hide digits or an '@'.
      if (p.mayHoldPersonalData) forEachLeaf(v, rows.scan);
    }
    if (blank) {
      rows.addEmpty(ordinal);
      continue;
    }
    // Compared as written (whitespace normalised), not re-serialised: a file comes from one
    // serialiser, and re-serialising 200,000 records would double the cost of the pass.
    rows.add(ordinal, key, p);
    rows.endRow(ordinal);
  }
  return {
    summary: { format: 'jsonl', rows: lineOf.length, columns: [...stats.values()].map(summariseColumn) },
    display: (ordinal) => JSON.stringify(maskJson(JSON.parse(lines[lineOf[ordinal]!]!))),
  };
}

function readText(format: 'txt' | 'md', lines: string[], rows: RowTally): Reader {
  let nonEmpty = 0;
  let chars = 0;
  const p = createProfile();
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) lines[i] = line = line.slice(0, -1);
    const key = keyOf(line, null, p);
    // Blank lines separate paragraphs: normal in text, neither empty rows nor repeats.
    if (p.blank) continue;
    nonEmpty++;
    chars += line.length;
    if (p.mayHoldPersonalData) rows.scan(line);
    rows.add(i, key, p);
    rows.endRow(i);
  }
  return {
    summary: {
      format,
      rows: lines.length,
      lines: lines.length,
      nonEmptyLines: nonEmpty,
      averageLineLength: nonEmpty === 0 ? 0 : Math.round((chars / nonEmpty) * 10) / 10,
    },
    display: (ordinal) => maskPersonalData(lines[ordinal]!),
  };
}

/**
 * `count` positions spread evenly over `items`, first and last included, so samples show the
 * beginning, the middle and the end of a file; the same file always gives the same rows.
 */
function pickSpread(items: readonly number[], count: number): number[] {
  const m = items.length;
  if (count <= 0 || m === 0) return [];
  if (m <= count) return [...items];
  if (count === 1) return [items[Math.floor((m - 1) / 2)]!];
  const out: number[] = [];
  for (let j = 0; j < count; j++) out.push(items[Math.round((j * (m - 1)) / (count - 1))]!);
  return out;
}

/** Cuts to `max` characters without splitting a surrogate pair; an ellipsis marks the cut. */
function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max - 1;
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${s.slice(0, end)}…`;
}

// ---------------------------------------------------------------------------------------------
// Columns: a bit per kind of value seen.

const NUMBER = 1;
const BOOLEAN = 2;
const DATE = 4;
const TEXT = 8;
const OBJECT = 16;
const LIST = 32;
const SCALAR_TEXT_KINDS = NUMBER | BOOLEAN | DATE | TEXT;

type ColumnStats = { name: string; filled: number; kinds: number };

const createColumnStats = (name: string): ColumnStats => ({ name, filled: 0, kinds: 0 });

const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEAN_RE = /^(?:true|false)$/i;
const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const DMY_DATE_RE = /^(\d{1,2})[./](\d{1,2})[./](\d{4})$/;

/** The kind of a (trimmed, non-empty) text value. */
function kindOfText(value: string): number {
  const c = value.charCodeAt(0);
  // Numbers and dates start with a digit, a sign or a dot: most text is decided here.
  if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) {
    if (NUMBER_RE.test(value)) return NUMBER;
    const iso = ISO_DATE_RE.exec(value);
    if (iso && validMonthDay(Number(iso[2]), Number(iso[3]))) return DATE;
    const dmy = DMY_DATE_RE.exec(value);
    // 06/01/2024 may be either order; a date either way.
    if (dmy && (validMonthDay(Number(dmy[2]), Number(dmy[1])) || validMonthDay(Number(dmy[1]), Number(dmy[2])))) return DATE;
    return TEXT;
  }
  return BOOLEAN_RE.test(value) ? BOOLEAN : TEXT;
}

const validMonthDay = (month: number, day: number) => month >= 1 && month <= 12 && day >= 1 && day <= 31;

function kindOfJson(v: unknown): number {
  if (typeof v === 'number') return NUMBER;
  if (typeof v === 'boolean') return BOOLEAN;
  if (typeof v === 'string') return kindOfText(v.trim());
  return Array.isArray(v) ? LIST : OBJECT;
}

function summariseColumn(col: ColumnStats): ColumnSummary {
  const k = col.kinds;
  const type: ColumnType =
    k === 0
      ? 'empty'
      : k === NUMBER
        ? 'number'
        : k === BOOLEAN
          ? 'boolean'
          : k === DATE
            ? 'date'
            : k === OBJECT
              ? 'object'
              : k === LIST
                ? 'list'
                : (k & ~SCALAR_TEXT_KINDS) === 0
                  ? 'text' // numbers, dates and words in one column read as text
                  : 'mixed';
  return { name: col.name, filled: col.filled, type };
}

/** null, whitespace, and containers holding only those. */
function isBlank(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'string') return v.trim() === '';
  if (typeof v !== 'object') return false;
  const values = Array.isArray(v) ? v : Object.values(v);
  return values.every(isBlank);
}

/** Calls `fn` with every string and number anywhere in a JSON value: where personal data could hide. */
function forEachLeaf(v: unknown, fn: (s: string) => void): void {
  if (typeof v === 'string') fn(v);
  else if (typeof v === 'number') fn(String(v));
  else if (v !== null && typeof v === 'object') for (const x of Array.isArray(v) ? v : Object.values(v)) forEachLeaf(x, fn);
}

/** The JSON value with personal data masked in its strings (and in numbers that are card or phone numbers). */
function maskJson(v: unknown): unknown {
  if (typeof v === 'string') return maskPersonalData(v);
  if (typeof v === 'number') {
    const s = String(v);
    const masked = maskPersonalData(s);
    return masked === s ? v : masked;
  }
  if (Array.isArray(v)) return v.map(maskJson);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskJson(x)]));
  return v;
}

// ---------------------------------------------------------------------------------------------
// Personal data: e-mail addresses, phone numbers, payment card numbers.

type PersonalDataKind = 'email' | 'phone' | 'card';
type PersonalDataMatch = { kind: PersonalDataKind; start: number; end: number };

// Bounded repetitions ({1,64}, {1,8}…) keep each attempt linear: these run on every row.
const EMAIL_RE = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;

/**
 * A phone-number candidate: an optional `+`, digit groups separated by one space, dot or dash,
 * and area codes in parentheses ("(555) 123-4567", "+49 (0)30 1234567"). Separators are
 * required between plain groups so that a run of digits splits only one way (no backtracking
 * blow-up). The lookahead rejects anything shorter than 8 characters before any work.
 */
const PHONE_RE =
  /(?<![\w+./-])(?=[+(\d][\d ().\u00a0-]{7})(?:\+ ?)?(?:\(\d{1,5}\)[ .\u00a0-]?\d+|\d+)(?:[ .\u00a0-]\d+|[ .\u00a0-]?\(\d{1,5}\)[ .\u00a0-]?\d+)*/g;

/** 13–19 digits with optional single spaces or dashes; not part of a longer number. */
const CARD_RE = /(?<![\w-]|\d[ -])(?:\d[ -]?){12,18}\d(?![\w-]|[ .,]\d)/g;

const DATE_PREFIX_RE = /^(?:\d{1,2}[ .-]\d{1,2}[ .-]\d{4}|\d{4}[ .-]\d{1,2}[ .-]\d{1,2})(?!\d)/;

/**
 * Phone numbers as people write them: international (`+` and 8–15 digits, E.164) or national
 * with a trunk `0` ("030 1234567", "06 12 34 56 78", "020 7946 0958"), a parenthesised area
 * code, or the North American 3-3-4 shape. Plain digit runs (ids, amounts) are never phones,
 * nor are dates, prices, version numbers or IP addresses (they fail the digit count, the
 * separator or the group shape).
 */
function isPhone(m: string, text: string, end: number): boolean {
  const next = text.charCodeAt(end);
  if (isWordChar(next)) return false; // "030 1234567abc" is an id
  if ((next === 46 || next === 44) && isDigit(text.charCodeAt(end + 1))) return false; // "1 234 567,89" is an amount
  let digits = 0;
  let dot = false;
  let otherSep = false;
  for (let i = 0; i < m.length; i++) {
    const c = m.charCodeAt(i);
    if (isDigit(c)) digits++;
    else if (c === 46) dot = true;
    else if (c === 32 || c === 45 || c === 0xa0) otherSep = true;
  }
  // Dots mixed with other separators are numbers in text ("1.5 2.25", "01.06.2024 12.30").
  if (dot && otherSep) return false;
  if (m.charCodeAt(0) === 43) return digits >= 8 && digits <= 15;
  if (!dot && !otherSep && m.charCodeAt(0) !== 40) return false; // a plain integer
  if (digits < 9 || digits > 12) return false;
  if (DATE_PREFIX_RE.test(m)) return false;
  if (m.charCodeAt(0) === 40) return true;
  const groups = m.split(/[^0-9]+/).filter((g) => g !== '');
  if (m.charCodeAt(0) === 48) return groups.every((g) => g.length >= 2);
  const shape = groups.map((g) => g.length).join('-');
  return shape === '3-3-4' || (shape === '1-3-3-4' && groups[0] === '1');
}

/** Payment card numbers: 13–19 digits in one grouping style, an issuer prefix (2–6), and a valid Luhn checksum. */
function isCard(m: string): boolean {
  const c0 = m.charCodeAt(0);
  if (c0 < 50 || c0 > 54) return false; // Mastercard 2/5, Amex/Diners/JCB 3, Visa 4, Discover/UnionPay 6
  const hasSpace = m.includes(' ');
  const hasDash = m.includes('-');
  if (hasSpace && hasDash) return false;
  if (hasSpace || hasDash) {
    const groups = m.split(hasSpace ? ' ' : '-');
    // 4-4-4-4, 4-6-5 (Amex), 4-6-4 (Diners), 4-4-4-4-3: groups of 3 to 6 after a first 4.
    if (groups[0]!.length !== 4 || groups.some((g) => g.length < 3 || g.length > 6)) return false;
  }
  const digits = m.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  return luhn(digits);
}

function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isWordChar = (c: number) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/** Every e-mail address, phone and card number in `text`, in order, never overlapping. */
function findPersonalData(text: string): PersonalDataMatch[] {
  const found: PersonalDataMatch[] = [];
  if (text.includes('@')) {
    EMAIL_RE.lastIndex = 0;
    for (let m; (m = EMAIL_RE.exec(text)); ) found.push({ kind: 'email', start: m.index, end: m.index + m[0].length });
  }
  CARD_RE.lastIndex = 0;
  for (let m; (m = CARD_RE.exec(text)); )
    if (isCard(m[0])) found.push({ kind: 'card', start: m.index, end: m.index + m[0].length });
  PHONE_RE.lastIndex = 0;
  for (let m; (m = PHONE_RE.exec(text)); ) {
    const end = m.index + m[0].length;
    if (isPhone(m[0], text, end)) found.push({ kind: 'phone', start: m.index, end });
  }
  if (found.length < 2) return found;
  // E-mails first, then cards, then phones: a later kind inside an earlier match is dropped.
  const kept: PersonalDataMatch[] = [];
  for (const f of found) if (!kept.some((k) => f.start < k.end && k.start < f.end)) kept.push(f);
  return kept.sort((a, b) => a.start - b.start);
}

/**
 * Whether `value` could hold any of the personal data looked for: an '@', or 8 digits (the
 * fewest in a phone number) in one run of digits and separators. Most values fail this in one
 * cheap pass, without a regex ("Question 123: what is 45 times 67?" has no such run).
 */
function mayHoldPersonalData(value: string): boolean {
  let digits = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits >= 8) return true;
    } else if (c === 64) return true;
    else if (c !== 32 && c !== 45 && c !== 46 && c !== 40 && c !== 41 && c !== 43 && c !== 0xa0) digits = 0;
  }
  return false;
}

/**
 * Masks e-mail addresses, phone numbers and payment card numbers in a text, keeping just enough
 * for a validator to recognise the kind: `j***@example.com`, `+49 ••• ••••123`,
 * `•••• •••• •••• 4242`.
 *
 * @example maskPersonalData('Mail jane@example.com') // 'Mail j***@example.com'
 */
export function maskPersonalData(text: string): string {
  const found = findPersonalData(text);
  if (found.length === 0) return text;
  let out = '';
  let at = 0;
  for (const f of found) {
    const s = text.slice(f.start, f.end);
    out += text.slice(at, f.start) + (f.kind === 'email' ? maskEmail(s) : f.kind === 'card' ? maskDigits(s, 0, 4) : maskPhone(s));
    at = f.end;
  }
  return out + text.slice(at);
}

const maskEmail = (s: string) => `${s[0]}***${s.slice(s.indexOf('@'))}`;

/** Keeps a `+` and the country code (when a separator shows where it ends) and the last 3 digits. */
function maskPhone(s: string): string {
  const country = /^\+ ?\d{1,3}(?=[ .\u00a0(-])/.exec(s)?.[0].length ?? (s.startsWith('+') ? 1 : 0);
  return maskDigits(s, country, 3);
}

/** Replaces each digit after `from` with `•`, except the last `keep` digits; separators stay. */
function maskDigits(s: string, from: number, keep: number): string {
  let total = 0;
  for (let i = from; i < s.length; i++) if (isDigit(s.charCodeAt(i))) total++;
  let seen = 0;
  let out = s.slice(0, from);
  for (let i = from; i < s.length; i++) {
    const c = s[i]!;
    if (isDigit(s.charCodeAt(i))) out += ++seen > total - keep ? c : '•';
    else out += c;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Findings.

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
const rowWord = (format: DatasetFormat) => (format === 'csv' ? ['row', 'rows'] : format === 'jsonl' ? ['record', 'records'] : ['line', 'lines']) as [string, string];

function nearDuplicateFindings(
  signature: Uint32Array,
  others: ReadonlyArray<{ id: string; signature: Uint32Array | readonly number[] }>,
): DatasetFinding[] {
  const ours = estimateDistinctCount(signature);
  const matches: Array<{ id: string; jaccard: number; contained: number }> = [];
  for (const other of others) {
    if (other.signature.length !== signature.length) continue;
    const jaccard = estimateJaccard(signature, other.signature);
    if (jaccard < NEAR_DUPLICATE_SIMILARITY) continue;
    // |A∩B| = J(|A|+|B|)/(1+J); the share of our rows found in B is that over |A|. The sizes come
    // from the signatures themselves; their ratio is precise because the sets share most minima.
    const ratio = ours > 0 ? estimateDistinctCount(other.signature) / ours : 1;
    const contained = Math.min(1, Math.max(jaccard, (jaccard * (1 + ratio)) / (1 + jaccard)));
    matches.push({ id: other.id, jaccard, contained });
  }
  if (matches.length === 0) return [];
  matches.sort((a, b) => b.jaccard - a.jaccard || a.id.localeCompare(b.id));
  const best = matches[0]!;
  const also = matches.length > 1 ? ` It is also close to ${plural(matches.length - 1, 'other dataset', 'other datasets')}.` : '';
  return [
    {
      kind: 'near_duplicate',
      severity: 'warning',
      message: `≈ ${Math.round(best.contained * 100)} % of its rows also appear in dataset ${best.id}.${also}`,
      count: matches.length,
      locations: matches.slice(0, MAX_LOCATIONS).map((m) => m.id),
    },
  ];
}

function rowFindings(rows: RowTally, format: DatasetFormat): DatasetFinding[] {
  const [one, many] = rowWord(format);
  const n = (t: Tally) => plural(t.count, one, many);
  const findings: DatasetFinding[] = [];
  const add = (kind: FindingKind, severity: DatasetFinding['severity'], t: Tally, message: string) =>
    findings.push({ kind, severity, message, count: t.count, locations: t.locations });
  // "1 row contains …", "3 rows contain …"
  const contain = (t: Tally) => `${n(t)} ${t.count === 1 ? 'contains' : 'contain'}`;
  if (rows.emails.count) add('email_addresses', 'warning', rows.emails, `${contain(rows.emails)} e-mail addresses (personal data).`);
  if (rows.phones.count) add('phone_numbers', 'warning', rows.phones, `${contain(rows.phones)} phone numbers (personal data).`);
  if (rows.cards.count)
    add('card_numbers', 'warning', rows.cards, `${contain(rows.cards)} what look like payment card numbers (they pass the card checksum).`);
  if (rows.empty.count)
    add('empty_rows', 'info', rows.empty, `${n(rows.empty)} ${rows.empty.count === 1 ? 'is' : 'are'} empty (every value is blank).`);
  if (rows.repeats.count && rows.firstRepeat) {
    const { location, of } = rows.firstRepeat;
    const distinct = rows.repeated.size;
    add(
      'repeated_rows',
      'info',
      rows.repeats,
      `${n(rows.repeats)} ${rows.repeats.count === 1 ? 'repeats an earlier one' : 'repeat earlier ones'} (${plural(distinct, `distinct ${one} appears`, `distinct ${many} appear`)} more than once; e.g. ${location} is the same as ${of}).`,
    );
  }
  return findings;
}
