import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptCheckpointError } from '../errors.ts';
import { runParaphraseCheck } from './vectors/paraphraseCheck.ts';
import {
  alignmentScore,
  cosine,
  defaultWordVectorsPath,
  embedText,
  fitCommonComponent,
  loadWordVectors,
  parseWordVectors,
  sharedWordVectors,
  wordIndex,
  wordVector,
  type WordVectors,
} from './wordVectors.ts';

const table: WordVectors = sharedWordVectors();
const similarity = (a: string, b: string) => cosine(wordVector(table, a)!, wordVector(table, b)!);
const textSimilarity = (a: string, b: string) => cosine(embedText(table, a)!, embedText(table, b)!);

describe('word-vector table', () => {
  it('loads the shipped table once per thread and verifies it', () => {
    expect(table).toMatchObject({ dims: 100, size: 50_000, sourceSize: 341_479 });
    expect(table.words[0]).toBe('the');
    expect(table.index.get('refund')).toBeGreaterThan(0);
    expect(sharedWordVectors()).toBe(table);
  });

  it('puts synonyms closer than unrelated words', () => {
    expect(similarity('refund', 'money')).toBeGreaterThan(similarity('refund', 'giraffe') + 0.3);
    expect(similarity('price', 'cost')).toBeGreaterThan(similarity('price', 'giraffe') + 0.3);
    expect(similarity('ship', 'delivery')).toBeGreaterThan(similarity('ship', 'philosophy'));
    expect(similarity('bicycle', 'bike')).toBeGreaterThan(similarity('bicycle', 'invoice'));
    expect(similarity('refund', 'Refund')).toBeCloseTo(1, 6);
  });

  it('finds missing words through their stem and returns null for unknown ones', () => {
    expect(table.index.has('pedalling')).toBe(false);
    expect(table.words[wordIndex(table, 'pedalling')]).toBe('pedal');
    expect(table.words[wordIndex(table, 'rebooted')]).toBe('reboot');
    expect(wordVector(table, 'qwzxvbnm')).toBeNull();
    expect(wordIndex(table, 'qwzxvbnm')).toBe(-1);
  });

  it('rejects a corrupted, truncated or foreign copy with CorruptCheckpointError', () => {
    const bytes = fs.readFileSync(defaultWordVectorsPath);
    const flipped = Uint8Array.from(bytes);
    flipped[bytes.length - 10]! ^= 0x01;
    expect(() => parseWordVectors(flipped, { source: 'flipped.bin' })).toThrow(CorruptCheckpointError);
    expect(() => parseWordVectors(flipped)).toThrow(/sha256/);
    expect(() => parseWordVectors(bytes.subarray(0, bytes.length - 1))).toThrow(CorruptCheckpointError);
    expect(() => parseWordVectors(Buffer.from('{"words":[]}'))).toThrow(CorruptCheckpointError);
    const otherVersion = Uint8Array.from(bytes);
    otherVersion[4] = 9;
    expect(() => parseWordVectors(otherVersion)).toThrow(/format version 9/);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caravan-vectors-'));
    try {
      const copy = path.join(dir, 'copy.bin');
      fs.writeFileSync(copy, flipped);
      const err = (() => {
        try {
          loadWordVectors({ path: copy });
        } catch (e) {
          return e;
        }
      })() as CorruptCheckpointError;
      expect(err).toBeInstanceOf(CorruptCheckpointError);
      expect(err).toMatchObject({ name: 'CorruptCheckpointError', retryable: false, key: copy });
      expect(err.shortMessage).toContain(copy);
      expect(() => loadWordVectors({ path: path.join(dir, 'missing.bin') })).toThrow(CorruptCheckpointError);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('embedText', () => {
  it('returns unit vectors, and null when no word is known', () => {
    const v = embedText(table, 'How long does a refund take?')!;
    expect(v).toHaveLength(100);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    expect(embedText(table, '')).toBeNull();
    expect(embedText(table, 'How do I ... what is it?')).toBeNull();
    expect(embedText(table, 'qwzxvbnm zzqqxx 12345')).toBeNull();
    // Unknown words are skipped, not fatal.
    expect(cosine(embedText(table, 'refund qwzxvbnm')!, embedText(table, 'refund')!)).toBeCloseTo(1, 5);
    // Possessives keep their word; other contractions are function words.
    expect(cosine(embedText(table, "the shop's")!, embedText(table, 'shop')!)).toBeCloseTo(1, 5);
    expect(embedText(table, "don't I'm we've")).toBeNull();
    expect(embedText(table, 'refund', { isStopWord: (w) => w === 'refund' })).toBeNull();
  });

  it('scores paraphrases above unrelated sentences', () => {
    const pairs: [string, string, string][] = [
      ['Can I get my money back?', 'How long does a refund take?', 'Where is your store located?'],
      ['What does shipping cost?', 'How expensive is delivery?', 'Can kids ride electric bikes?'],
      ['My tire has a puncture', 'How do I fix a flat tyre?', 'Which payment methods do you accept?'],
      ['I forgot my password', 'I cannot sign in to my account', 'Do you sell helmets for children?'],
      ['When are you open?', 'What are your opening hours?', 'How much air goes in the tyres?'],
    ];
    for (const [query, paraphrase, unrelated] of pairs) {
      expect(textSimilarity(query, paraphrase), `${query} ~ ${paraphrase}`).toBeGreaterThan(textSimilarity(query, unrelated) + 0.1);
    }
  });

  it('weights words by termWeight and removes a common component', () => {
    const base = embedText(table, 'bike refund')!;
    const noBike = embedText(table, 'bike refund', { termWeight: (w) => (w === 'bike' ? 0 : 1) })!;
    expect(cosine(noBike, embedText(table, 'refund')!)).toBeCloseTo(1, 5);
    expect(cosine(base, noBike)).toBeLessThan(0.99);

    const texts = ['Can I rent a bike?', 'Do you repair bikes?', 'Bike insurance', 'Used bikes for sale', 'Kids bikes'];
    const common = fitCommonComponent(texts.map((t) => embedText(table, t)!))!;
    expect(Math.hypot(...common)).toBeCloseTo(1, 5);
    const removed = embedText(table, 'Can I rent a bike?', { commonComponent: common })!;
    expect(Math.abs(cosine(removed, common))).toBeLessThan(1e-5);
    expect(fitCommonComponent([])).toBeNull();
    expect(() => embedText(table, 'refund', { commonComponent: new Float32Array(3) })).toThrow(RangeError);
  });

  it('aligns query words with their closest passage words', () => {
    const theft = 'We partner with an insurer covering theft and accidental damage.';
    const hours = 'We are open Tuesday to Saturday from 9 am to 7 pm.';
    expect(alignmentScore(table, 'What if my bike is stolen?', theft)).toBeGreaterThan(alignmentScore(table, 'What if my bike is stolen?', hours) + 0.1);
    expect(alignmentScore(table, 'insurer theft', theft)).toBeCloseTo(1, 6);
    // A word the table lacks still counts when the passage has it verbatim.
    expect(alignmentScore(table, 'qwzxvbnm', 'code qwzxvbnm applies')).toBe(1);
    expect(alignmentScore(table, 'qwzxvbnm', theft)).toBe(0);
    expect(alignmentScore(table, 'how do I', theft)).toBe(0);
    const weighted = alignmentScore(table, 'stolen bike', theft, { termWeight: (w) => (w === 'bike' ? 0 : 1) });
    expect(weighted).toBeCloseTo(alignmentScore(table, 'stolen', theft), 6);
  });

  it('retrieves paraphrased FAQ questions better than term overlap', () => {
    const result = runParaphraseCheck(table);
    expect(result.queries).toBe(60);
    // Measured with the shipped table: overlap 21.7 %, dense 38.3 %, dense minus common component
    // 45.0 %, IDF-weighted dense 41.7 %, IDF-weighted dense + word alignment 46.7 %.
    expect(result.dense).toBeGreaterThan(result.overlap + 0.1);
    expect(result.denseCommon).toBeGreaterThanOrEqual(result.dense);
    expect(result.denseIdfAlign).toBeGreaterThan(result.dense);
  });
});

describe('cosine', () => {
  it('is 0 for a zero vector and rejects different lengths', () => {
    expect(cosine(new Float32Array([1, 0]), new Float32Array([0, 0]))).toBe(0);
    expect(cosine(new Float32Array([1, 2]), new Float32Array([2, 4]))).toBeCloseTo(1, 6);
    expect(() => cosine(new Float32Array(2), new Float32Array(3))).toThrow(RangeError);
  });
});
