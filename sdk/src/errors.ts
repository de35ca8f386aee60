/** What every API error body holds. */
export type ApiErrorBody = { error: string; message: string; resetAt?: string; assistant?: string };

/**
 * An error answer from the Caravan API: `status` (HTTP), `code` (the stable `error` code, e.g.
 * `not_found`, `quota_exceeded`) and the server's message. Subclasses per status let callers
 * `catch (e) { if (e instanceof RateLimitError) … }`.
 */
export class CaravanError extends Error {
  override name = 'CaravanError';
  readonly status: number;
  readonly code: string;
  /** When a spent quota or rate limit is back (429). */
  readonly resetAt: Date | undefined;
  /** Seconds the server asked to wait (`Retry-After`), when it did. */
  readonly retryAfter: number | undefined;
  /** The assistant a license is required for (402). */
  readonly assistant: string | undefined;
  readonly body: ApiErrorBody;

  constructor(status: number, body: ApiErrorBody, retryAfter?: number) {
    super(body.message);
    this.status = status;
    this.code = body.error;
    this.body = body;
    this.resetAt = body.resetAt ? new Date(body.resetAt) : undefined;
    this.retryAfter = retryAfter;
    this.assistant = body.assistant;
  }
}

/** 400: malformed JSON, a field out of range, an unknown field. */
export class BadRequestError extends CaravanError {
  override name = 'BadRequestError';
}
/** 401: no key, or an unknown, revoked (`key_revoked`) or expired (`key_expired`) one. */
export class AuthenticationError extends CaravanError {
  override name = 'AuthenticationError';
}
/** 402: payment needed — `license_required` (the assistant needs a license you do not hold; `assistant` names it) or `insufficient_funds`. */
export class PaymentRequiredError extends CaravanError {
  override name = 'PaymentRequiredError';
}
/** 403: the key may not do this (a license key outside its assistant). */
export class PermissionDeniedError extends CaravanError {
  override name = 'PermissionDeniedError';
}
/** 404: not found, or not yours to see. */
export class NotFoundError extends CaravanError {
  override name = 'NotFoundError';
}
/** 409: it exists but cannot do this now (an assistant still training, a price that changed). */
export class ConflictError extends CaravanError {
  override name = 'ConflictError';
}
/** 413: the body is larger than the endpoint accepts. */
export class PayloadTooLargeError extends CaravanError {
  override name = 'PayloadTooLargeError';
}
/** 415: the body has the wrong content type. */
export class UnsupportedMediaTypeError extends CaravanError {
  override name = 'UnsupportedMediaTypeError';
}
/** 429: a rate limit (`rate_limited`) or the license's quota (`quota_exceeded`); see `resetAt`. */
export class RateLimitError extends CaravanError {
  override name = 'RateLimitError';
}
/** 503: busy or a dependency is down; try again after `retryAfter` seconds. */
export class ServiceUnavailableError extends CaravanError {
  override name = 'ServiceUnavailableError';
}
/** 500 and other server errors. */
export class InternalServerError extends CaravanError {
  override name = 'InternalServerError';
}

/** The server could not be reached, or the answer was not the API's (a proxy's HTML page). */
export class ConnectionError extends Error {
  override name = 'ConnectionError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const BY_STATUS: Record<number, typeof CaravanError> = {
  400: BadRequestError,
  401: AuthenticationError,
  402: PaymentRequiredError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  413: PayloadTooLargeError,
  415: UnsupportedMediaTypeError,
  429: RateLimitError,
  503: ServiceUnavailableError,
};

/** The error class for an answer's status. */
export function errorFor(status: number, body: ApiErrorBody, retryAfter?: number): CaravanError {
  const Class = BY_STATUS[status] ?? (status >= 500 ? InternalServerError : CaravanError);
  return new Class(status, body, retryAfter);
}
