import { BaseError } from '../errors.ts';

export type LimitExceededErrorParameters = {
  /** The name of the rule that refused (e.g. `upload`). */
  rule: string;
  /** How many uses the rule allows per window. */
  limit: number;
  windowMs: number;
  /** How long until one use is free again. */
  retryAfterMs: number;
  /** When every recorded use has left the window (the full allowance is back). */
  resetAt: Date;
};

/**
 * A person reached a fair-use limit; nothing was done and nothing was counted. Not retryable:
 * repeating the same request at once cannot succeed; `retryAfterMs` says when it can.
 *
 * @example
 * if (err instanceof LimitExceededError) reply(err.shortMessage) // "You can upload 20 files a day. Try again in 3 h 12 min."
 */
export class LimitExceededError extends BaseError {
  override name = 'LimitExceededError' as const;
  readonly rule: string;
  readonly limit: number;
  readonly windowMs: number;
  readonly retryAfterMs: number;
  readonly resetAt: Date;

  constructor(message: string, params: LimitExceededErrorParameters) {
    super(message, {
      retryable: false,
      details: `rule “${params.rule}”: ${params.limit} per ${params.windowMs} ms; next free in ${params.retryAfterMs} ms`,
    });
    this.rule = params.rule;
    this.limit = params.limit;
    this.windowMs = params.windowMs;
    this.retryAfterMs = params.retryAfterMs;
    this.resetAt = params.resetAt;
  }
}
