import { describe, expect, it } from 'vitest';
import { createLruCache } from './lruCache.ts';

describe('createLruCache', () => {
  it('evicts the least recently used entry beyond the count bound, and frees it', () => {
    const evicted: string[] = [];
    const c = createLruCache<string, number>({ maxEntries: 2, maxBytes: Infinity, onEvict: (k) => evicted.push(k) });
    c.set('a', 1, 1);
    c.set('b', 2, 1);
    expect(c.get('a')).toBe(1); // a is now the most recent
    c.set('c', 3, 1);
    expect(evicted).toEqual(['b']);
    expect(c.keys()).toEqual(['a', 'c']);
  });

  it('evicts by total size but always keeps the newest entry', () => {
    const evicted: string[] = [];
    const c = createLruCache<string, number>({ maxEntries: 10, maxBytes: 100, onEvict: (k) => evicted.push(k) });
    c.set('a', 1, 60);
    c.set('b', 2, 30);
    c.set('c', 3, 50);
    expect(evicted).toEqual(['a']);
    expect(c.bytes).toBe(80);
    c.set('huge', 4, 500);
    expect(c.keys()).toEqual(['huge']);
    expect(c.bytes).toBe(500);
  });

  it('replacing a key frees the old value and counts the new size', () => {
    const evicted: number[] = [];
    const c = createLruCache<string, number>({ maxEntries: 3, maxBytes: Infinity, onEvict: (_k, v) => evicted.push(v) });
    c.set('a', 1, 10);
    c.set('a', 2, 20);
    expect(evicted).toEqual([1]);
    expect(c.bytes).toBe(20);
    c.clear();
    expect(evicted).toEqual([1, 2]);
    expect(c.size).toBe(0);
  });
});
