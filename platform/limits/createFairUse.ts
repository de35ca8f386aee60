import type { FairUse, FairUseKind } from './fairUse.ts';
import { enforce, type RateLimiter } from './rateLimiter.ts';

/** How each kind of work is described to a person who reached its limit ("You can …"). */
const DESCRIBE: Record<FairUseKind, (n: number) => string> = {
  upload: (n) => `upload ${n} file${n === 1 ? '' : 's'} a day`,
  finetune: (n) => `start training ${n} assistant${n === 1 ? '' : 's'} a day`,
  chat: (n) => `send ${n} message${n === 1 ? '' : 's'} a minute to assistants`,
};

/** Fair use over a rate limiter: one rule per kind of work, counted per user. */
export function createFairUse(limiter: RateLimiter, rules: Record<FairUseKind, { limit: number; windowMs: number }>): FairUse {
  return {
    async enforce(userId, kind) {
      await enforce(limiter, { name: kind, ...rules[kind] }, `user:${userId}`, DESCRIBE[kind]);
    },
  };
}
