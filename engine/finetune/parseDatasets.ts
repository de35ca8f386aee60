import { createHash } from 'node:crypto';
import { InvalidDatasetError } from '../errors.ts';
import { parseCsv as csvRecords } from '../../platform/datasets/csv.ts';

/** A dataset as the platform hands it to the engine (already decrypted, validated for size). */
export type DatasetInput = { id: string; name: string; format: 'csv' | 'jsonl' | 'txt' | 'md'; text: string };

/** A retrievable unit of a dataset, with where it came from so answers can cite it. */
export type Passage = {
  datasetId: string;
  datasetName: string;
  /** Human location: "row 12" (CSV, 1-based data rows), "line 7" (JSONL/TXT/MD). */
  location: string;
  text: string;
  /** For Q&A records: the question field (indexed with more weight than the answer). */
  question?: string | undefined;
  /** For Q&A records: the answer field, shown directly when this passage is cited. */
  answer?: string | undefined;
};

export type ParsedDatasets = {
  /** Training documents, formatted the way chat prompts are ("Q: …\nA: …"). */
  documents: string[];
  passages: Passage[];
  /** sha256 over the datasets' ids and contents: a changed dataset means a new fine-tune. */
  hash: string;
  characters: number;
};

export const datasetLimits = {
  /** Longest accepted record (characters). */
  maxRowChars: 20_000,
  /** Smallest total amount of text worth training on (characters). */
  minTotalChars: 64,
  /** Passage size for plain text chunks (characters). */
  chunkChars: 600,
};

const qaPairs: Array<[string, string]> = [
  ['question', 'answer'],
  ['q', 'a'],
  ['prompt', 'completion'],
  ['prompt', 'response'],
  ['instruction', 'output'],
  ['input', 'output'],
  ['query', 'response'],
];

/**
 * Turns uploaded datasets into training documents and citable passages, rejecting unusable
 * input with {@link InvalidDatasetError}: empty or tiny datasets, binary/non-text rows, rows over
 * {@link datasetLimits.maxRowChars}, malformed JSONL/CSV.
 */
export function parseDatasets(datasets: DatasetInput[]): ParsedDatasets {
  if (datasets.length === 0) throw new InvalidDatasetError('No datasets given: an assistant needs at least one dataset to learn from.');
  const documents: string[] = [];
  const passages: Passage[] = [];
  const hash = createHash('sha256');
  let characters = 0;
  for (const ds of datasets) {
    hash.update(`${ds.id}\0${ds.format}\0${ds.text}\0`);
    if (typeof ds.text !== 'string' || ds.text.trim() === '') {
      throw new InvalidDatasetError(`Dataset "${ds.name}" is empty.`, { datasetId: ds.id });
    }
    const records = ds.format === 'csv' ? parseCsv(ds) : ds.format === 'jsonl' ? parseJsonl(ds) : parseText(ds);
    for (const r of records) {
      checkText(ds, r.location, r.text);
      documents.push(r.doc);
      passages.push({ datasetId: ds.id, datasetName: ds.name, location: r.location, text: r.text, question: r.question, answer: r.answer });
      characters += r.doc.length;
    }
  }
  if (characters < datasetLimits.minTotalChars) {
    throw new InvalidDatasetError(`The datasets are too small to train on: ${characters} characters, at least ${datasetLimits.minTotalChars} are needed.`, {
      metaMessages: ['Add more rows or text and try again.'],
    });
  }
  return { documents, passages, hash: hash.digest('hex'), characters };
}

type Rec = { location: string; text: string; doc: string; question?: string; answer?: string };

function checkText(ds: DatasetInput, location: string, text: string) {
  if (text.length > datasetLimits.maxRowChars) {
    throw new InvalidDatasetError(`Dataset "${ds.name}", ${location}: the row is ${text.length} characters, the limit is ${datasetLimits.maxRowChars}.`, {
      datasetId: ds.id,
      metaMessages: ['Split long rows into several rows or upload the text as a TXT/MD file.'],
    });
  }
  // Binary content: NUL bytes, U+FFFD from undecodable bytes, or mostly control characters.
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0 || c === 0xfffd) control += 10;
    else if (c < 32 && c !== 9 && c !== 10 && c !== 13) control++;
  }
  if (control > 0 && control * 10 > text.length) {
    throw new InvalidDatasetError(`Dataset "${ds.name}", ${location}: the row is not text (binary or control characters).`, { datasetId: ds.id });
  }
}

function qaOf(fields: Record<string, string>): { q: string; a: string } | null {
  const lower = new Map(Object.entries(fields).map(([k, v]) => [k.trim().toLowerCase(), v]));
  for (const [qk, ak] of qaPairs) {
    const q = lower.get(qk);
    const a = lower.get(ak);
    if (q !== undefined && a !== undefined && q.trim() && a.trim()) return { q: q.trim(), a: a.trim() };
  }
  return null;
}

function recordOf(location: string, fields: Record<string, string>): Rec {
  const qa = qaOf(fields);
  if (qa) return { location, text: `${qa.q}\n${qa.a}`, doc: `Q: ${qa.q}\nA: ${qa.a}\n`, question: qa.q, answer: qa.a };
  const text = Object.entries(fields)
    .filter(([, v]) => v.trim() !== '')
    .map(([k, v]) => `${k}: ${v.trim()}`)
    .join('\n');
  return { location, text, doc: `${text}\n` };
}

function parseCsv(ds: DatasetInput): Rec[] {
  let rows: string[][];
  try {
    // The platform's one CSV parser, the same that validated the upload; blank lines carry no row.
    const text = ds.text.charCodeAt(0) === 0xfeff ? ds.text.slice(1) : ds.text;
    rows = [...csvRecords(text)].map((r) => r.fields).filter((r) => !(r.length === 1 && r[0]!.trim() === ''));
  } catch (cause) {
    throw new InvalidDatasetError(`Dataset "${ds.name}" is not valid CSV.`, { datasetId: ds.id, cause, details: (cause as Error).message });
  }
  const [header, ...data] = rows;
  if (!header || data.length === 0) throw new InvalidDatasetError(`Dataset "${ds.name}" has no data rows (a header row and at least one row are needed).`, { datasetId: ds.id });
  return data.map((r, i) => {
    const fields: Record<string, string> = {};
    header.forEach((h, j) => {
      fields[h.trim() || `column ${j + 1}`] = r[j] ?? '';
    });
    return recordOf(`row ${i + 1}`, fields);
  });
}

function parseJsonl(ds: DatasetInput): Rec[] {
  const out: Rec[] = [];
  ds.text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const location = `line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (cause) {
      throw new InvalidDatasetError(`Dataset "${ds.name}", ${location}: not valid JSON.`, { datasetId: ds.id, cause });
    }
    if (typeof value === 'string') {
      out.push({ location, text: value, doc: `${value}\n` });
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new InvalidDatasetError(`Dataset "${ds.name}", ${location}: expected a JSON object or string, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}.`, { datasetId: ds.id });
    }
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v === 'string') fields[k] = v;
      else if (typeof v === 'number' || typeof v === 'boolean') fields[k] = String(v);
    }
    if (Object.keys(fields).length === 0) throw new InvalidDatasetError(`Dataset "${ds.name}", ${location}: the record has no text fields.`, { datasetId: ds.id });
    out.push(recordOf(location, fields));
  });
  if (out.length === 0) throw new InvalidDatasetError(`Dataset "${ds.name}" has no records.`, { datasetId: ds.id });
  return out;
}

/** Paragraph chunks of at most ~chunkChars, each remembering its first line number. */
function parseText(ds: DatasetInput): Rec[] {
  const lines = ds.text.split(/\r?\n/);
  const out: Rec[] = [];
  let buf: string[] = [];
  let start = 0;
  const flush = () => {
    const text = buf.join('\n').trim();
    if (text) out.push({ location: `line ${start + 1}`, text, doc: `${text}\n` });
    buf = [];
  };
  lines.forEach((line, i) => {
    if (line.length > datasetLimits.maxRowChars) checkText(ds, `line ${i + 1}`, line);
    if (line.trim() === '' || buf.join('\n').length + line.length > datasetLimits.chunkChars) flush();
    if (line.trim() === '') return;
    if (buf.length === 0) start = i;
    buf.push(line);
  });
  flush();
  return out;
}
