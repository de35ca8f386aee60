import { GrammyError, HttpError } from 'grammy';
import { BaseError, type BaseErrorParameters } from '../../platform/errors.ts';

/** A Telegram Bot API call failed. `code` is Telegram's error code (400, 403, 429…), when it answered. */
export class TelegramApiError extends BaseError {
  override name: string = 'TelegramApiError';
  readonly code: number | undefined;
  /** Telegram's `retry_after` of a 429, in milliseconds: wait this long before sending again (see `retryAfterOf`). */
  readonly retryAfterMs: number | undefined;
  constructor(shortMessage: string, params: BaseErrorParameters & { code?: number; retryAfterMs?: number | undefined } = {}) {
    super(shortMessage, params);
    this.code = params.code;
    this.retryAfterMs = params.retryAfterMs;
  }
}

/** The person blocked the bot or never started a chat with it (403); retrying cannot help. */
export class TelegramChatClosedError extends TelegramApiError {
  override name = 'TelegramChatClosedError' as const;
  /** See `isRecipientUnreachable`: the message goes to the web inbox instead. */
  readonly recipientUnreachable = true;
}

/**
 * Wraps what grammY threw into our typed errors, keeping the original as `cause`: Telegram's
 * 4xx answers are final, except 429 (Too Many Requests), which is retryable and carries its
 * `retry_after` (the bot's API waits it out itself with auto-retry; workers' callers wait it
 * out); 5xx and network failures may pass.
 */
export function wrapTelegramError(err: unknown, action: string): BaseError {
  if (err instanceof BaseError) return err;
  if (err instanceof GrammyError) {
    const params = { cause: err, code: err.error_code, details: err.description };
    if (err.error_code === 403)
      return new TelegramChatClosedError(`Could not ${action}: the person has not started a chat with the bot or blocked it.`, params);
    const retryAfter = err.error_code === 429 ? err.parameters.retry_after : undefined;
    return new TelegramApiError(`Could not ${action}: Telegram answered ${err.error_code} (${err.description}).`, {
      ...params,
      retryable: err.error_code >= 500 || err.error_code === 429,
      ...(retryAfter !== undefined ? { retryAfterMs: retryAfter * 1000 } : {}),
    });
  }
  if (err instanceof HttpError)
    return new TelegramApiError(`Could not ${action}: Telegram could not be reached.`, { cause: err, details: err.message, retryable: true });
  return new TelegramApiError(`Could not ${action}.`, { cause: err, details: err instanceof Error ? err.message : String(err), retryable: true });
}
