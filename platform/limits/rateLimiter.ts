import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { ConfigError, ServiceError } from '../errors.ts';
import { LimitExceededError } from './errors.ts';

/**
 * One fair-use limit: at most `limit` uses in any `windowMs`-long window.
 *
 * `limit` must be a whole number ≥ 0. A limit of 0 switches the action off: every hit is
 * refused (without asking Redis). "Unlimited" is not a limit: it is expressed by not checking.
 * A negative or fractional limit is refused with `ConfigError`, so that a setting like -1
 * meant as "unlimited" fails loudly at its first use instead of silently blocking everyone.
 */
export type LimitRule = { name: string; limit: number; windowMs: number };

/**
 * What a limiter answers. `resetAt` is when every recorded use has left the window (the full
 * allowance is back); `retryAfterMs` (refusals only) is how long until one use is free again.
 * Both are computed from Redis server time and returned relative to this process's clock.
 */
export type LimitDecision =
  | { allowed: true; remaining: number; resetAt: Date }
  | { allowed: false; remaining: 0; retryAfterMs: number; resetAt: Date };

export type RateLimiter = {
  /** Counts one use if the rule allows it; a refused hit is not counted. */
  hit(rule: LimitRule, subject: string | number): Promise<LimitDecision>;
  /** What `hit` would answer now, counting nothing. */
  peek(rule: LimitRule, subject: string | number): Promise<LimitDecision>;
  /** Forgets every recorded use of `rule` by `subject`. */
  reset(rule: LimitRule, subject: string | number): Promise<void>;
};

export type CreateRedisRateLimiterDeps = {
  redis: Redis;
  /** Prepended to every key (`<prefix>:<rule>:<subject>`), e.g. the deployment's queue prefix. */
  prefix: string;
};

/**
 * The sliding-window log, in one script so that trimming, counting and recording are atomic
 * however many processes hit the same key at once. Time is Redis's own (`TIME`), so processes
 * with skewed clocks agree. Needs Redis ≥ 5 (effects replication is the default there, which
 * lets a script write after calling `TIME`).
 *
 * KEYS[1]  the log: a sorted set of uses, scored by server time in ms
 * ARGV     limit, window ms, 1 to record a use (0 to look only), the new use's member
 * Returns  { allowed (1/0), uses in the window, server now, score of the use whose expiry
 *            frees a slot (-1 if none), score of the newest use (-1 if none) }
 */
const SLIDING_WINDOW_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local record = ARGV[3] == '1'
local since = now - window
local open = '(' .. string.format('%d', since)
local count
if record then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', since)
  count = redis.call('ZCARD', KEYS[1])
else
  count = redis.call('ZCOUNT', KEYS[1], open, '+inf')
end
local allowed = 0
if count < limit then
  allowed = 1
  if record then
    redis.call('ZADD', KEYS[1], now, ARGV[4])
    redis.call('PEXPIRE', KEYS[1], window)
    count = count + 1
  end
end
local freeing = -1
if allowed == 0 then
  -- With count >= limit, the (count - limit + 1)-th oldest use must expire before one fits
  -- (more than one when the limit was lowered since the uses were recorded).
  local r = redis.call('ZRANGEBYSCORE', KEYS[1], open, '+inf', 'WITHSCORES', 'LIMIT', count - limit, 1)
  if r[2] then freeing = tonumber(r[2]) end
end
local newest = -1
local n = redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', open, 'WITHSCORES', 'LIMIT', 0, 1)
if n[2] then newest = tonumber(n[2]) end
return { allowed, count, now, freeing, newest }
`;

const SLIDING_WINDOW_SHA = crypto.createHash('sha1').update(SLIDING_WINDOW_LUA).digest('hex');

/**
 * A rate limiter whose counts live in Redis, so every process (bots, API, workers) shares them.
 * Each rule and subject has a sliding-window log (a sorted set of use times) that expires a
 * window after its newest use.
 *
 * @param deps the Redis connection (shared with nothing else's keys under `prefix`) and the key prefix.
 * @example
 * const limiter = createRedisRateLimiter({ redis, prefix: 'caravan:limits' });
 * const decision = await limiter.hit({ name: 'upload', limit: 20, windowMs: 86_400_000 }, userId);
 */
export function createRedisRateLimiter(deps: CreateRedisRateLimiterDeps): RateLimiter {
  const keyOf = (rule: LimitRule, subject: string | number) => `${deps.prefix}:${rule.name}:${subject}`;

  async function run(rule: LimitRule, subject: string | number, record: boolean): Promise<LimitDecision> {
    checkRule(rule);
    const localNow = Date.now();
    if (rule.limit === 0) return { allowed: false, remaining: 0, retryAfterMs: rule.windowMs, resetAt: new Date(localNow + rule.windowMs) };
    const args = [keyOf(rule, subject), rule.limit, rule.windowMs, record ? 1 : 0, crypto.randomBytes(9).toString('base64url')];
    let reply: unknown;
    try {
      reply = await deps.redis.evalsha(SLIDING_WINDOW_SHA, 1, ...args);
    } catch (err) {
      // A fresh or flushed server does not know the script yet: send it once in full.
      if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw unreachable(rule, err);
      try {
        reply = await deps.redis.eval(SLIDING_WINDOW_LUA, 1, ...args);
      } catch (err2) {
        throw unreachable(rule, err2);
      }
    }
    const [allowed, count, serverNow, freeing, newest] = (reply as number[]).map(Number) as [number, number, number, number, number];
    // Server times are turned into this process's clock through the offset seen just now.
    const resetAt = new Date(localNow + Math.max(0, newest === -1 ? 0 : newest + rule.windowMs - serverNow));
    if (allowed === 1) return { allowed: true, remaining: Math.max(0, rule.limit - count), resetAt };
    const retryAfterMs = freeing === -1 ? rule.windowMs : Math.max(1, freeing + rule.windowMs - serverNow);
    return { allowed: false, remaining: 0, retryAfterMs, resetAt };
  }

  return {
    hit: (rule, subject) => run(rule, subject, true),
    peek: (rule, subject) => run(rule, subject, false),
    async reset(rule, subject) {
      checkRule(rule);
      try {
        await deps.redis.del(keyOf(rule, subject));
      } catch (err) {
        throw unreachable(rule, err);
      }
    },
  };
}

function checkRule(rule: LimitRule): void {
  if (!rule.name) throw new ConfigError('A usage limit needs a name.');
  if (!Number.isInteger(rule.limit) || rule.limit < 0)
    throw new ConfigError(`The usage limit “${rule.name}” must be a whole number ≥ 0 (0 switches it off), not ${rule.limit}.`, {
      metaMessages: ['To make something unlimited, do not check a limit for it.'],
    });
  if (!Number.isInteger(rule.windowMs) || rule.windowMs < 1)
    throw new ConfigError(`The window of usage limit “${rule.name}” must be a whole number of milliseconds ≥ 1, not ${rule.windowMs}.`);
}

const unreachable = (rule: LimitRule, cause: unknown) =>
  new ServiceError(`Could not check the “${rule.name}” usage limit: Redis did not answer.`, { cause, retryable: true });

/**
 * Counts one use of `rule` by `subject`, or throws `LimitExceededError` with a message written
 * for the person, and counts nothing.
 *
 * @param describe what the limit allows, after "You can ": `(n) => \`upload ${n} files a day\``.
 * @returns the decision, so callers can show what remains.
 * @throws LimitExceededError "You can upload 20 files a day. Try again in 3 h 12 min."
 * @throws ServiceError (retryable) when Redis cannot be reached; ConfigError for a malformed rule.
 */
export async function enforce(
  limiter: RateLimiter,
  rule: LimitRule,
  subject: string | number,
  describe: (limit: number) => string,
): Promise<Extract<LimitDecision, { allowed: true }>> {
  const decision = await limiter.hit(rule, subject);
  if (decision.allowed) return decision;
  const message =
    rule.limit === 0
      ? // Switched off: waiting does not help, so no time is promised.
        `You can ${describe(0)} at the moment.`
      : `You can ${describe(rule.limit)}. Try again in ${formatWait(decision.retryAfterMs)}.`;
  throw new LimitExceededError(message, {
    rule: rule.name,
    limit: rule.limit,
    windowMs: rule.windowMs,
    retryAfterMs: decision.retryAfterMs,
    resetAt: decision.resetAt,
  });
}

/**
 * A wait as people say it, rounded up so that trying again after it always works:
 * "14 s", "3 min", "3 h 12 min", "24 h", "2 d 5 h".
 */
export function formatWait(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  // Up to a day in hours: "24 h" reads better than "1 d" for a daily limit.
  if (minutes <= 24 * 60) {
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
  }
  const hours = Math.ceil(minutes / 60);
  const d = Math.floor(hours / 24);
  const h = hours % 24;
  return h === 0 ? `${d} d` : `${d} d ${h} h`;
}
