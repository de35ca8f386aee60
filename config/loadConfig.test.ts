import { describe, expect, it } from 'vitest';
import { ConfigError } from '../platform/errors.ts';
import { loadConfig } from './loadConfig.ts';

describe('loadConfig', () => {
  it('uses the dev defaults when nothing is set', () => {
    const c = loadConfig({}, '/tmp/x');
    expect(c.home).toBe('/tmp/x/.caravan');
    expect(c.PORT).toBe(3000);
    expect(c.embedded).toEqual({ postgres: true, redis: true, chain: true });
    expect(c.publicUrl).toBe('http://127.0.0.1:3000');
  });

  it('names the variable and what is expected when a value is malformed', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT: /);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: expected a URL starting with postgres:/);
    expect(() => loadConfig({ MASTER_KEY: 'abc' })).toThrow(/MASTER_KEY: expected 32 bytes/);
  });

  it('requires the operator key with a real RPC and real services in production', () => {
    expect(() => loadConfig({ RPC_URL: 'http://node:8545' })).toThrow(/OPERATOR_PRIVATE_KEY: required when RPC_URL/);
    try {
      loadConfig({ NODE_ENV: 'production' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      for (const v of ['DATABASE_URL', 'REDIS_URL', 'RPC_URL', 'MASTER_KEY']) expect(msg).toContain(`${v}: required`);
    }
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ TELEGRAM_BOT_TOKEN: '', REDIS_URL: '' }).embedded.redis).toBe(true);
  });
});
