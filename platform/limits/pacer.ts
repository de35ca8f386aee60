import type { Redis } from 'ioredis';
import { ConfigError, ServiceError } from '../errors.ts';

/**
 * Spaces uses of a shared resource evenly at a fixed rate across every process: each use
 * reserves the next free slot and waits for it. For sending to a platform whose limit is per
 * bot (Telegram's messages per second, Discord's requests per second), whatever process sends.
 */
export type Pacer = {
  /**
   * Reserves the next slot of `name` at `perSecond` slots a second.
   * @returns milliseconds to wait before using it (0 when it is now)
   */
  reserve(name: string, perSecond: number): Promise<number>;
};

export type CreateRedisPacerDeps = {
  /** A connection that may run scripts (a BullMQ worker's own client will do). */
  redis: Redis;
  /** Prepended to every key (`<prefix>:<name>`). */
  prefix: string;
};

/**
 * The next slot (the "theoretical arrival time" of GCRA, with no burst): the later of now and
 * the slot after the last one reserved. Time is Redis's own, so processes with skewed clocks agree.
 *
 * KEYS[1]  the next free slot, in server milliseconds
 * ARGV     the interval between slots, in milliseconds
 * Returns  milliseconds from now until the reserved slot, as a string (Lua numbers would be truncated)
 */
const RESERVE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local slot = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local after = slot + interval
redis.call('SET', KEYS[1], string.format('%.3f', after), 'PX', math.ceil(after - now) + 1000)
return string.format('%.3f', slot - now)
`;

/**
 * A pacer whose slots live in Redis, so every worker process shares one rate per name.
 *
 * @example
 * const pacer = createRedisPacer({ redis, prefix: 'caravan:limits' });
 * await pace(pacer, 'notify:telegram', 30); // then send
 */
export function createRedisPacer(deps: CreateRedisPacerDeps): Pacer {
  return {
    async reserve(name, perSecond) {
      if (!(perSecond > 0) || !Number.isFinite(perSecond))
        throw new ConfigError(`The rate of “${name}” must be a number of uses per second above 0, not ${perSecond}.`);
      try {
        const wait = await deps.redis.eval(RESERVE_LUA, 1, `${deps.prefix}:${name}`, String(1000 / perSecond));
        return Math.max(0, Number(wait));
      } catch (cause) {
        throw new ServiceError(`Could not reserve a “${name}” slot: Redis did not answer.`, { cause, retryable: true });
      }
    },
  };
}

/** Reserves the next slot of `name` and waits until it comes. */
export async function pace(pacer: Pacer, name: string, perSecond: number): Promise<void> {
  const wait = await pacer.reserve(name, perSecond);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
