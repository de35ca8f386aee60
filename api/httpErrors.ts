import { ContextOverflowError, InvalidRequestError } from '../engine/index.ts';
import { AssistantUnavailableError } from '../platform/assistants/findChatAssistant.ts';
import { ApiKeyError, KeyScopeError, QuotaExceededError } from '../platform/apikeys/errors.ts';
import { BaseError, InputError, NotFoundError } from '../platform/errors.ts';
import { LimitExceededError } from '../platform/limits/errors.ts';
import { InsufficientFundsError, LicenseRequiredError, PriceChangedError } from '../platform/money/errors.ts';

/** An error as the API answers it: a status, a stable code, a message for people, and headers. */
export type HttpError = {
  status: number;
  body: { error: string; message: string; resetAt?: string; assistant?: string };
  headers?: Record<string, string>;
};

const seconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));

/**
 * Maps any thrown value to the API's answer. Domain errors carry their meaning (not found, input,
 * limits); errors from express's body parsers carry a `type`; everything else is a 500 whose
 * message says nothing internal (null: the client went away, nothing to answer).
 */
export function toHttpError(err: unknown): HttpError | null {
  if (err instanceof ApiKeyError) return { status: 401, body: { error: err.code, message: err.shortMessage }, headers: { 'www-authenticate': 'Bearer' } };
  if (err instanceof KeyScopeError) return { status: 403, body: { error: 'key_scope', message: err.shortMessage } };
  if (err instanceof NotFoundError) return { status: 404, body: { error: 'not_found', message: err.shortMessage } };
  if (err instanceof QuotaExceededError)
    return {
      status: 429,
      body: { error: 'quota_exceeded', message: err.shortMessage, resetAt: err.resetAt.toISOString() },
      headers: { 'retry-after': seconds(err.resetAt.getTime() - Date.now()) },
    };
  if (err instanceof LimitExceededError)
    return {
      status: 429,
      body: { error: 'rate_limited', message: err.shortMessage, resetAt: new Date(Date.now() + err.retryAfterMs).toISOString() },
      headers: { 'retry-after': seconds(err.retryAfterMs) },
    };
  if (err instanceof LicenseRequiredError)
    return { status: 402, body: { error: 'license_required', message: err.shortMessage, assistant: err.assistantPublicId } };
  if (err instanceof InsufficientFundsError) return { status: 402, body: { error: 'insufficient_funds', message: err.shortMessage } };
  if (err instanceof PriceChangedError) return { status: 409, body: { error: 'price_changed', message: err.shortMessage } };
  if (err instanceof InputError) return { status: 400, body: { error: 'bad_request', message: err.shortMessage } };
  if (err instanceof AssistantUnavailableError) return { status: 409, body: { error: 'unavailable', message: err.shortMessage } };
  if (err instanceof ContextOverflowError || err instanceof InvalidRequestError) return { status: 400, body: { error: 'bad_request', message: err.shortMessage } };
  if (err instanceof BaseError && err.retryable)
    // Busy engine, a dependency down: the client may try again shortly.
    return { status: 503, body: { error: 'unavailable', message: err.shortMessage }, headers: { 'retry-after': '5' } };
  const type = (err as { type?: string } | null)?.type;
  if (type === 'entity.parse.failed') return { status: 400, body: { error: 'bad_request', message: 'The body is not valid JSON.' } };
  if (type === 'entity.too.large') return { status: 413, body: { error: 'too_large', message: 'The body is too large.' } };
  if (type === 'request.aborted') return null;
  if (type === 'encoding.unsupported' || type === 'charset.unsupported')
    return { status: 415, body: { error: 'unsupported_media_type', message: 'The body must be UTF-8 JSON.' } };
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) return { status, body: { error: 'bad_request', message: 'The request could not be read.' } };
  return { status: 500, body: { error: 'internal', message: err instanceof BaseError ? err.shortMessage : 'Internal error.' } };
}
