import { BaseError } from '../errors.ts';

/** Why a key was refused: none sent, not a key of ours, revoked, or bound to a license that ended. */
export type ApiKeyRefusal = 'missing_key' | 'invalid_key' | 'key_revoked' | 'key_expired';

/** The request's key is missing, unknown, revoked or expired (HTTP 401). Nothing was done. */
export class ApiKeyError extends BaseError {
  override name = 'ApiKeyError' as const;
  readonly code: ApiKeyRefusal;
  constructor(message: string, code: ApiKeyRefusal) {
    super(message);
    this.code = code;
  }
}

/** The key is valid but may not do this (a license key outside its assistant, HTTP 403). */
export class KeyScopeError extends BaseError {
  override name = 'KeyScopeError' as const;
}

/** The license's calls for this period are spent (HTTP 429); `resetAt` is when the next period starts. */
export class QuotaExceededError extends BaseError {
  override name = 'QuotaExceededError' as const;
  readonly resetAt: Date;
  constructor(message: string, resetAt: Date) {
    super(message);
    this.resetAt = resetAt;
  }
}
