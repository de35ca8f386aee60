import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ConfigError, ServiceError } from '../errors.ts';
import { createRedisPacer, pace } from './pacer.ts';

let redis: Redis;
let other: Redis;

beforeAll(() => {
  redis = new Redis(inject('services').redisUrl);
  other = new Redis(inject('services').redisUrl);
});

afterAll(async () => {
  await Promise.all([redis.quit(), other.quit()]);
});

const prefix = () => `t:${crypto.randomUUID()}`;

describe('createRedisPacer', () => {
  it('hands out evenly spaced slots, shared by every connection (process) using the same name', async () => {
    const p = prefix();
    const a = createRedisPacer({ redis, prefix: p });
    const b = createRedisPacer({ redis: other, prefix: p });
    const waits = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).reserve('telegram', 20)));
    // 10 slots at 20 a second: 0, 50, …, 450 ms from now (reservations take a moment each).
    const sorted = [...waits].sort((x, y) => x - y);
    expect(sorted[0]).toBeLessThan(20);
    for (let i = 1; i < sorted.length; i++) {
      expect(sorted[i]! - sorted[i - 1]!).toBeGreaterThan(40);
      expect(sorted[i]! - sorted[i - 1]!).toBeLessThan(60);
    }
    // Another name has its own slots.
    expect(await a.reserve('discord', 20)).toBeLessThan(20);
  });

  it('paces uses to the rate: 12 uses at 40 a second take about 275 ms', async () => {
    const pacer = createRedisPacer({ redis, prefix: prefix() });
    const t0 = performance.now();
    const at: number[] = [];
    await Promise.all(Array.from({ length: 12 }, () => pace(pacer, 'x', 40).then(() => at.push(performance.now() - t0))));
    expect(Math.max(...at)).toBeGreaterThan(260);
    expect(Math.max(...at)).toBeLessThan(1000);
  });

  it('starts again from now after a pause (no burst saved up) and forgets the name a second after its last slot', async () => {
    const p = prefix();
    const pacer = createRedisPacer({ redis, prefix: p });
    await pacer.reserve('y', 10);
    await new Promise((r) => setTimeout(r, 300));
    expect(await pacer.reserve('y', 10)).toBe(0);
    expect(await pacer.reserve('y', 10)).toBeGreaterThan(80);
    expect(await redis.pttl(`${p}:y`)).toBeLessThanOrEqual(1300);
  });

  it('refuses a rate of 0 or below (ConfigError), and reports an unreachable Redis as a retryable ServiceError', async () => {
    const pacer = createRedisPacer({ redis, prefix: prefix() });
    await expect(pacer.reserve('z', 0)).rejects.toBeInstanceOf(ConfigError);
    const down = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on('error', () => {});
    const err = await createRedisPacer({ redis: down, prefix: prefix() }).reserve('z', 5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect(err).toMatchObject({ retryable: true });
    down.disconnect();
  });
});
