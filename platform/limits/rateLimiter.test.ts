import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ConfigError, ServiceError } from '../errors.ts';
import { LimitExceededError } from './errors.ts';
import { createRedisRateLimiter, enforce, formatWait, type LimitRule, type RateLimiter } from './rateLimiter.ts';

let redis: Redis;
let other: Redis;

beforeAll(() => {
  redis = new Redis(inject('services').redisUrl);
  other = new Redis(inject('services').redisUrl);
});

afterAll(async () => {
  await Promise.all([redis.quit(), other.quit()]);
});

/** A limiter with a prefix no other test uses, and a way to list the keys it wrote. */
function fresh(client: Redis = redis): { limiter: RateLimiter; prefix: string; keys: () => Promise<string[]> } {
  const prefix = `t:${crypto.randomUUID()}`;
  return { limiter: createRedisRateLimiter({ redis: client, prefix }), prefix, keys: () => redis.keys(`${prefix}:*`) };
}

const uploads: LimitRule = { name: 'upload', limit: 3, windowMs: 10_000 };

describe('createRedisRateLimiter', () => {
  it('allows exactly `limit` hits, then refuses with a sensible retry time', async () => {
    const { limiter } = fresh();
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await limiter.hit(uploads, 'u1'));
    expect(answers.map((a) => a.allowed)).toEqual([true, true, true, false]);
    expect(answers.map((a) => a.remaining)).toEqual([2, 1, 0, 0]);
    const refused = answers[3]!;
    if (refused.allowed) throw new Error('unreachable');
    // The first hit frees its slot one window after it was made: a little under 10 s from now.
    expect(refused.retryAfterMs).toBeGreaterThan(9_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(10_000);
    expect(refused.resetAt.getTime() - Date.now()).toBeGreaterThan(9_000);
    expect(refused.resetAt.getTime() - Date.now()).toBeLessThanOrEqual(10_100);
  });

  it('slides: when the oldest hit leaves the window, one slot frees and only one', async () => {
    const { limiter } = fresh();
    const rule = { name: 'chat', limit: 3, windowMs: 600 };
    expect((await limiter.hit(rule, 'u')).allowed).toBe(true);
    await sleep(250);
    expect((await limiter.hit(rule, 'u')).allowed).toBe(true);
    expect((await limiter.hit(rule, 'u')).allowed).toBe(true);
    const refused = await limiter.hit(rule, 'u');
    if (refused.allowed) throw new Error('expected a refusal');
    // The first hit is ≈ 250 ms old, so its slot frees in ≈ 350 ms; the other two stay longer.
    expect(refused.retryAfterMs).toBeGreaterThan(200);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(360);
    await sleep(refused.retryAfterMs + 30);
    expect(await limiter.hit(rule, 'u')).toMatchObject({ allowed: true, remaining: 0 });
    expect((await limiter.hit(rule, 'u')).allowed).toBe(false);
  });

  it('does not count refused hits, so trying again does not push the wait further', async () => {
    const { limiter, keys } = fresh();
    const rule = { name: 'upload', limit: 2, windowMs: 500 };
    await limiter.hit(rule, 'u');
    await limiter.hit(rule, 'u');
    const first = await limiter.hit(rule, 'u');
    for (let i = 0; i < 10; i++) expect((await limiter.hit(rule, 'u')).allowed).toBe(false);
    const last = await limiter.hit(rule, 'u');
    if (first.allowed || last.allowed) throw new Error('expected refusals');
    expect(last.retryAfterMs).toBeLessThanOrEqual(first.retryAfterMs);
    expect(await redis.zcard((await keys())[0]!)).toBe(2);
    await sleep(first.retryAfterMs + 30);
    // Both recorded hits are out of the window: the whole allowance is back.
    expect(await limiter.hit(rule, 'u')).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('keeps subjects and rules apart', async () => {
    const { limiter } = fresh();
    const chat = { name: 'chat', limit: 1, windowMs: 10_000 };
    const finetune = { name: 'finetune', limit: 1, windowMs: 10_000 };
    expect((await limiter.hit(chat, 'alice')).allowed).toBe(true);
    expect((await limiter.hit(chat, 'alice')).allowed).toBe(false);
    expect((await limiter.hit(chat, 'bob')).allowed).toBe(true);
    expect((await limiter.hit(finetune, 'alice')).allowed).toBe(true);
    expect((await limiter.hit(chat, 42)).allowed).toBe(true);
  });

  it('is atomic: of 50 concurrent hits from two connections, exactly `limit` are allowed', async () => {
    const prefix = `t:${crypto.randomUUID()}`;
    const a = createRedisRateLimiter({ redis, prefix });
    const b = createRedisRateLimiter({ redis: other, prefix });
    const rule = { name: 'upload', limit: 10, windowMs: 10_000 };
    const decisions = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).hit(rule, 'u')));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect(await redis.zcard(`${prefix}:upload:u`)).toBe(10);
  });

  it('sets a TTL of one window on its keys, so idle ones disappear', async () => {
    const { limiter, keys } = fresh();
    const rule = { name: 'chat', limit: 5, windowMs: 400 };
    await limiter.hit(rule, 'u');
    const [key] = await keys();
    const ttl = await redis.pttl(key!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(400);
    await sleep(450);
    expect(await keys()).toEqual([]);
  });

  it('peeks without counting', async () => {
    const { limiter, keys } = fresh();
    const rule = { name: 'finetune', limit: 2, windowMs: 10_000 };
    expect(await limiter.peek(rule, 'u')).toMatchObject({ allowed: true, remaining: 2 });
    expect(await keys()).toEqual([]);
    await limiter.hit(rule, 'u');
    await limiter.hit(rule, 'u');
    const peeked = await limiter.peek(rule, 'u');
    expect(peeked).toMatchObject({ allowed: false, remaining: 0 });
    expect(await redis.zcard((await keys())[0]!)).toBe(2);
  });

  it('reset forgets a subject’s hits for one rule only', async () => {
    const { limiter } = fresh();
    const other = { ...uploads, name: 'finetune' };
    for (let i = 0; i < 3; i++) await limiter.hit(uploads, 'u');
    await limiter.hit(other, 'u');
    await limiter.reset(uploads, 'u');
    expect(await limiter.hit(uploads, 'u')).toMatchObject({ allowed: true, remaining: 2 });
    expect(await limiter.peek(other, 'u')).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('after a lowered limit, waits until enough old hits have left the window', async () => {
    const { limiter } = fresh();
    const wide = { name: 'chat', limit: 4, windowMs: 800 };
    await limiter.hit(wide, 'u');
    await sleep(300);
    for (let i = 0; i < 3; i++) await limiter.hit(wide, 'u');
    const narrow = await limiter.hit({ ...wide, limit: 2 }, 'u');
    if (narrow.allowed) throw new Error('expected a refusal');
    // 4 hits, limit 2: the 3rd oldest (≈ now) must leave, not the 1st (≈ 300 ms old).
    expect(narrow.retryAfterMs).toBeGreaterThan(700);
  });

  it('refuses everything when the limit is 0 (switched off), without touching Redis', async () => {
    const { limiter, keys } = fresh();
    const off = { name: 'upload', limit: 0, windowMs: 60_000 };
    expect(await limiter.hit(off, 'u')).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 60_000 });
    expect(await keys()).toEqual([]);
  });

  it.each([
    [{ name: 'upload', limit: -1, windowMs: 1000 }],
    [{ name: 'upload', limit: 2.5, windowMs: 1000 }],
    [{ name: 'upload', limit: 1, windowMs: 0 }],
    [{ name: '', limit: 1, windowMs: 1000 }],
  ])('refuses a malformed rule %j with ConfigError', async (rule) => {
    await expect(fresh().limiter.hit(rule, 'u')).rejects.toBeInstanceOf(ConfigError);
  });

  it('loads its script again on a server that forgot it', async () => {
    const { limiter } = fresh();
    await limiter.hit(uploads, 'u');
    await redis.script('FLUSH');
    expect(await limiter.hit(uploads, 'u')).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('reports an unreachable Redis as a retryable ServiceError', async () => {
    const dead = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    try {
      const error = await createRedisRateLimiter({ redis: dead, prefix: 't' }).hit(uploads, 'u').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServiceError);
      expect((error as ServiceError).retryable).toBe(true);
    } finally {
      dead.disconnect();
    }
  });
});

describe('enforce', () => {
  const describeUploads = (n: number) => `upload ${n} file${n === 1 ? '' : 's'} a day`;

  it('returns the decision while under the limit, then throws LimitExceededError for people', async () => {
    const { limiter } = fresh();
    const rule = { name: 'upload', limit: 2, windowMs: 24 * 3600_000 };
    expect(await enforce(limiter, rule, 'u', describeUploads)).toMatchObject({ allowed: true, remaining: 1 });
    await enforce(limiter, rule, 'u', describeUploads);
    const error = await enforce(limiter, rule, 'u', describeUploads).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LimitExceededError);
    const e = error as LimitExceededError;
    expect(e.name).toBe('LimitExceededError');
    expect(e.retryable).toBe(false);
    expect(e.shortMessage).toBe('You can upload 2 files a day. Try again in 24 h.');
    expect(e).toMatchObject({ rule: 'upload', limit: 2, windowMs: 24 * 3600_000 });
    expect(e.retryAfterMs).toBeGreaterThan(23 * 3600_000);
    expect(e.resetAt).toBeInstanceOf(Date);
  });

  it('says when a chat limit frees up, in seconds', async () => {
    const { limiter } = fresh();
    const rule = { name: 'chat', limit: 1, windowMs: 60_000 };
    const say = (n: number) => `send ${n} message${n === 1 ? '' : 's'} a minute to assistants`;
    await enforce(limiter, rule, 'u', say);
    await expect(enforce(limiter, rule, 'u', say)).rejects.toThrow(/^You can send 1 message a minute to assistants\. Try again in (59 s|1 min)\./);
  });

  it('promises no time when the action is switched off', async () => {
    const error = await enforce(fresh().limiter, { name: 'upload', limit: 0, windowMs: 1000 }, 'u', describeUploads).catch((e: unknown) => e);
    expect((error as LimitExceededError).shortMessage).toBe('You can upload 0 files a day at the moment.');
  });
});

describe('formatWait', () => {
  it.each([
    [0, '1 s'],
    [400, '1 s'],
    [14_000, '14 s'],
    [14_001, '15 s'],
    [59_500, '1 min'],
    [3 * 60_000, '3 min'],
    [3 * 60_000 + 1, '4 min'],
    [60 * 60_000, '1 h'],
    [(3 * 60 + 12) * 60_000, '3 h 12 min'],
    [(3 * 60 + 11) * 60_000 + 1, '3 h 12 min'],
    [24 * 3600_000, '24 h'],
    [25 * 3600_000, '1 d 1 h'],
    [(2 * 24 + 5) * 3600_000, '2 d 5 h'],
  ])('%i ms → %s', (ms, text) => {
    expect(formatWait(ms)).toBe(text);
  });
});
