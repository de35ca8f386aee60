import { describe, expect, it } from 'vitest';
import { percentText, splitOf } from './readRevenueSplit.ts';

describe('splitOf', () => {
  it('takes the fee first, then the royalty share of the rest for the parents', () => {
    expect(splitOf({ feeBps: 500, royaltyBps: 2000 }, 1)).toEqual({ feeBps: 500, parentsBps: 1900, creatorBps: 7600, parents: 1 });
    expect(splitOf({ feeBps: 500, royaltyBps: 2000 }, 3)).toMatchObject({ parentsBps: 1900, creatorBps: 7600, parents: 3 });
  });

  it('gives the creator everything after the fee when there are no parents, or more than one payment credits', () => {
    expect(splitOf({ feeBps: 500, royaltyBps: 2000 }, 0)).toEqual({ feeBps: 500, parentsBps: 0, creatorBps: 9500, parents: 0 });
    expect(splitOf({ feeBps: 500, royaltyBps: 2000 }, 25)).toEqual({ feeBps: 500, parentsBps: 0, creatorBps: 9500, parents: 0 });
    expect(splitOf({ feeBps: 0, royaltyBps: 0 }, 2)).toEqual({ feeBps: 0, parentsBps: 0, creatorBps: 10_000, parents: 2 });
  });

  it('keeps fractions of a basis point, and the three parts add up to the whole payment', () => {
    const s = splitOf({ feeBps: 333, royaltyBps: 1234 }, 2);
    expect(s.feeBps + s.parentsBps + s.creatorBps).toBeCloseTo(10_000, 9);
    expect(s.parentsBps).toBeCloseTo((9667 * 1234) / 10_000, 9);
  });
});

describe('percentText', () => {
  it('writes basis points as a percentage with at most 2 decimals', () => {
    expect(percentText(500)).toBe('5 %');
    expect(percentText(1900)).toBe('19 %');
    expect(percentText(1192.9078)).toBe('11.93 %');
    expect(percentText(0)).toBe('0 %');
  });
});
