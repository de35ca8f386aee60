import { describe, expect, it } from 'vitest';
import { createByteTokenizer } from './byteTokenizer.ts';

describe('byte tokenizer', () => {
  const tok = createByteTokenizer();
  it('round-trips any UTF-8 text and reserves NUL as end-of-text', () => {
    const text = 'Grüße, 世界! 👋\nQ: a,b\tc';
    const ids = tok.encode(text);
    expect(ids.length).toBe(new TextEncoder().encode(text).length);
    expect(tok.decode(ids)).toBe(text);
    expect(Array.from(tok.encode('a\0b'))).toEqual([97, 98]);
    expect(tok.decode([104, 105, tok.endToken, 33])).toBe('hi!');
  });
});
