import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import {
  estimateDistinctCount,
  estimateJaccard,
  hashRow,
  minhashOfHashes,
  minhashSignature,
  normaliseRow,
  signatureFromBytes,
  signatureToBytes,
} from './minhash.ts';

const rows = (from: number, to: number, tag = 'row') => Array.from({ length: to - from }, (_, i) => `${tag} ${from + i}: some text`);

/** Deterministic Fisher–Yates, so a failing case can be replayed. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('minhashSignature', () => {
  it('is stable: the same rows give the same words, pinned so a change of construction is noticed', () => {
    const sig = minhashSignature(['What is 2+2?,4', 'Capital of France?,Paris'], 8);
    expect([...sig]).toEqual([...minhashSignature(['What is 2+2?,4', 'Capital of France?,Paris'], 8)]);
    // Pinned values: stored signatures are compared with new ones for years, across processes.
    expect([...sig]).toMatchInlineSnapshot(`
      [
        478054551,
        1584528915,
        2280473244,
        1524389797,
        253160397,
        1929580581,
        2689963541,
        1745053456,
      ]
    `);
  });

  it('ignores order, duplicates, case, whitespace and empty rows', () => {
    const a = minhashSignature(['Alpha  beta', 'gamma', 'gamma', '']);
    const b = minhashSignature(['  GAMMA\t', '', '   ', 'alpha\n beta']);
    expect(b).toEqual(a);
  });

  it('hashes a row exactly as its normalised form', () => {
    const messy = ['\u00a0Straße\t\tÜBER  Allem\u2003', 'ONE\r\nTWO'];
    expect(minhashSignature(messy)).toEqual(minhashSignature(messy.map(normaliseRow)));
    expect(normaliseRow('  Hello\t\tWorld ')).toBe('hello world');
  });

  it('gives the empty set a signature that matches nothing', () => {
    const empty = minhashSignature([]);
    expect(empty.every((v) => v === 0xffffffff)).toBe(true);
    expect(estimateJaccard(empty, empty)).toBe(0);
    expect(estimateJaccard(empty, minhashSignature(['x']))).toBe(0);
  });

  it('gives each slot its own permutation, whatever the length (slot i depends on i only)', () => {
    const items = rows(0, 300);
    const eight = minhashSignature(items, 8);
    expect(minhashSignature(items, 7)).toEqual(eight.subarray(0, 7));
    expect(minhashSignature(items, 4)).toEqual(eight.subarray(0, 4));
    expect(minhashSignature(items, 1)).toEqual(eight.subarray(0, 1));
  });

  it('is the signature of the rows’ hashRow words', () => {
    const items = ['Alpha  beta', '', 'ΟΔΟΣ', 'gamma'];
    expect(minhashOfHashes(items.map(hashRow))).toEqual(minhashSignature(items));
    expect(minhashOfHashes(Uint32Array.from(items.filter((x) => x !== '').map(hashRow)))).toEqual(minhashSignature(items));
    expect(hashRow('  \t ')).toBe(-1);
    expect(hashRow('İstanbul  ŞEHİR')).toBe(hashRow(normaliseRow('İstanbul  ŞEHİR')));
  });

  it('refuses a signature length that is not a positive whole number', () => {
    expect(() => minhashSignature(['x'], 0)).toThrow(InputError);
    expect(() => minhashSignature(['x'], 1.5)).toThrow(InputError);
  });
});

describe('estimateJaccard', () => {
  it('is 1 for the same set in another order and close to 0 for unrelated sets', () => {
    const a = rows(0, 2000);
    expect(estimateJaccard(minhashSignature(a), minhashSignature(shuffled(a, 7)))).toBe(1);
    expect(estimateJaccard(minhashSignature(a), minhashSignature(rows(0, 2000, 'other')))).toBeLessThan(0.05);
  });

  it.each([
    // [shared, only in A, only in B] → true Jaccard = shared / (shared + onlyA + onlyB)
    [900, 100, 100],
    [500, 250, 250],
    [200, 400, 400],
    [1000, 0, 500],
  ])('estimates J within 4 standard errors (shared %i, only A %i, only B %i)', (shared, onlyA, onlyB) => {
    const common = rows(0, shared, 'common');
    const a = [...common, ...rows(0, onlyA, 'a')];
    const b = shuffled([...common, ...rows(0, onlyB, 'b')], shared);
    const truth = shared / (shared + onlyA + onlyB);
    const estimate = estimateJaccard(minhashSignature(a), minhashSignature(b));
    const se = Math.sqrt((truth * (1 - truth)) / 128);
    expect(Math.abs(estimate - truth)).toBeLessThanOrEqual(4 * se + 1 / 128);
  });

  it('has no bias: averaged over many sets it lands on the true similarity', () => {
    // 40 independent pairs with J = 0.5; the mean's standard error is ≈ 0.0066.
    let sum = 0;
    for (let t = 0; t < 40; t++) {
      const common = rows(0, 300, `c${t}`);
      const a = [...common, ...rows(0, 150, `a${t}`)];
      const b = [...common, ...rows(0, 150, `b${t}`)];
      sum += estimateJaccard(minhashSignature(a), minhashSignature(b));
    }
    expect(Math.abs(sum / 40 - 0.5)).toBeLessThan(0.03);
  });

  it('refuses signatures of different lengths', () => {
    expect(() => estimateJaccard(minhashSignature(['x'], 64), minhashSignature(['x'], 128))).toThrow(InputError);
  });

  it('accepts a plain number array, as read back from JSON', () => {
    const sig = minhashSignature(rows(0, 50));
    expect(estimateJaccard([...sig], sig)).toBe(1);
  });
});

describe('estimateDistinctCount', () => {
  it.each([100, 5000, 100_000])('is within 30 %% of the number of distinct rows (%i)', (n) => {
    const estimate = estimateDistinctCount(minhashSignature(rows(0, n)));
    expect(estimate / n).toBeGreaterThan(0.7);
    expect(estimate / n).toBeLessThan(1.3);
  });

  it('is 0 for the empty set', () => {
    expect(estimateDistinctCount(minhashSignature([]))).toBe(0);
  });
});

describe('signatureToBytes / signatureFromBytes', () => {
  it('round-trips through little-endian bytes', () => {
    const sig = minhashSignature(rows(0, 10));
    const bytes = signatureToBytes(sig);
    expect(bytes.length).toBe(128 * 4);
    expect(signatureFromBytes(bytes)).toEqual(sig);
    // Little-endian whatever the host: the first word's low byte comes first.
    expect(bytes[0]).toBe(sig[0]! & 0xff);
  });

  it('reads a view into a larger buffer (as pg returns bytea)', () => {
    const sig = minhashSignature(rows(0, 10), 4);
    const big = Buffer.concat([Buffer.from([9, 9, 9]), signatureToBytes(sig)]);
    expect(signatureFromBytes(big.subarray(3))).toEqual(sig);
  });

  it('refuses a length that is not whole words', () => {
    expect(() => signatureFromBytes(new Uint8Array(7))).toThrow(InputError);
  });
});
