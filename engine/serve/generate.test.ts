import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../model/config.ts';
import { sampleToken } from './generate.ts';

describe('sampleToken', () => {
  const logits = Float32Array.from([0.1, 3, -1, 2.5, 0, 2.9, -4, 1]);
  it('is greedy at temperature 0 and respects the row offset', () => {
    expect(sampleToken(logits, 0, 8, 0, 0, Math.random)).toBe(1);
    expect(sampleToken(Float32Array.from([...logits, 9, 0, 0, 0, 0, 0, 0, 0]), 8, 8, 0, 0, Math.random)).toBe(0);
  });
  it('samples only among the top-k and follows the temperature', () => {
    const rand = mulberry32(5);
    const seen = new Map<number, number>();
    for (let i = 0; i < 3000; i++) {
      const t = sampleToken(logits, 0, 8, 1, 3, rand);
      seen.set(t, (seen.get(t) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual([1, 3, 5]);
    // p(1) : p(3) = e^3 : e^2.5 ≈ 1.65
    expect(seen.get(1)! / seen.get(3)!).toBeGreaterThan(1.4);
    expect(seen.get(1)! / seen.get(3)!).toBeLessThan(1.9);
    const cold = new Set(Array.from({ length: 200 }, () => sampleToken(logits, 0, 8, 0.05, 0, rand)));
    expect(cold).toEqual(new Set([1, 5]));
  });
});
