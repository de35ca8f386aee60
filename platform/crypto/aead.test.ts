import { describe, expect, it } from 'vitest';
import { DecryptionError, generateKey, open, seal, unwrapKey, wrapKey } from './aead.ts';

describe('aead', () => {
  it('round-trips and never repeats a ciphertext', () => {
    const key = generateKey();
    const a = seal(key, Buffer.from('hello'), 'x');
    const b = seal(key, Buffer.from('hello'), 'x');
    expect(a.equals(b)).toBe(false);
    expect(open(key, a, 'x').toString()).toBe('hello');
  });

  it('rejects a wrong key, wrong purpose, tampering and truncation', () => {
    const key = generateKey();
    const sealed = seal(key, Buffer.from('secret'), 'blob');
    expect(() => open(generateKey(), sealed, 'blob')).toThrow(DecryptionError);
    expect(() => open(key, sealed, 'other')).toThrow(DecryptionError);
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => open(key, tampered, 'blob')).toThrow(/tampered/);
    expect(() => open(key, sealed.subarray(0, 10), 'blob')).toThrow(/truncated/);
  });

  it('wraps data keys bound to their purpose', () => {
    const master = generateKey();
    const dataKey = generateKey();
    const wrapped = wrapKey(master, dataKey, 'dataset');
    expect(unwrapKey(master, wrapped, 'dataset').equals(dataKey)).toBe(true);
    expect(() => unwrapKey(master, wrapped, 'custodial')).toThrow(DecryptionError);
  });
});
