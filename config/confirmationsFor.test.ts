import { describe, expect, it } from 'vitest';
import { ConfigError } from '../platform/errors.ts';
import { confirmationsFor } from './confirmationsFor.ts';

describe('confirmationsFor', () => {
  it('lets the dev chain count a transaction at once', () => {
    expect(confirmationsFor({ CONFIRMATIONS: 0 }, 31337)).toBe(0);
  });

  it('asks for at least 3 confirmations on any other chain, naming the setting', () => {
    expect(confirmationsFor({ CONFIRMATIONS: 3 }, 8453)).toBe(3);
    expect(confirmationsFor({ CONFIRMATIONS: 12 }, 1)).toBe(12);
    const err = (() => {
      try {
        confirmationsFor({ CONFIRMATIONS: 0 }, 8453);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).metaMessages).toEqual([
      'CONFIRMATIONS: at least 3 on chain 8453 (got 0); only the dev chain (31337) may use fewer.',
    ]);
    expect(() => confirmationsFor({ CONFIRMATIONS: 2 }, 1)).toThrow(ConfigError);
  });
});
