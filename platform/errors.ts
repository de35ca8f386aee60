/**
 * The project's one error base, in the style of viem's `BaseError`: a short message written
 * for people, optional details and hints, the original `cause` kept, and a `retryable` flag
 * that tells jobs whether trying again can help.
 */
export type BaseErrorParameters = {
  /** Extra context appended under the short message. */
  details?: string | undefined;
  /** Lines that tell the reader what to do next. */
  metaMessages?: string[] | undefined;
  /** The error that caused this one (pg, Redis, viem, Telegram…). */
  cause?: unknown;
  /** Whether retrying the same operation later can succeed. Default: false. */
  retryable?: boolean | undefined;
};

export class BaseError extends Error {
  override name = 'BaseError';
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly metaMessages: string[];
  readonly retryable: boolean;

  constructor(shortMessage: string, params: BaseErrorParameters = {}) {
    const lines = [shortMessage];
    if (params.metaMessages?.length) lines.push('', ...params.metaMessages);
    if (params.details) lines.push('', `Details: ${params.details}`);
    super(lines.join('\n'), params.cause === undefined ? undefined : { cause: params.cause });
    this.shortMessage = shortMessage;
    this.details = params.details;
    this.metaMessages = params.metaMessages ?? [];
    this.retryable = params.retryable ?? false;
  }

  /** Walks the `cause` chain and returns the first error `fn` accepts. */
  walk(fn: (err: unknown) => boolean): unknown {
    for (let err: unknown = this as unknown; err; err = (err as { cause?: unknown }).cause) {
      if (fn(err)) return err;
    }
    return undefined;
  }
}

/** A setting is missing or malformed; raised at start, names the variable. */
export class ConfigError extends BaseError {
  override name: string = 'ConfigError';
}

/** An input from a person or a client was rejected; nothing was changed. */
export class InputError extends BaseError {
  override name: string = 'InputError';
}

/** A local service (PostgreSQL, Redis, anvil) could not be started or reached. */
export class ServiceError extends BaseError {
  override name: string = 'ServiceError';
}

/** A call to the chain failed. Retryable unless the contract reverted. */
export class ChainError extends BaseError {
  override name: string = 'ChainError';
}

/** The thing asked for does not exist. */
export class NotFoundError extends BaseError {
  override name: string = 'NotFoundError';
}

/** Returns a person-facing message for any thrown value. */
export function describeError(err: unknown): string {
  if (err instanceof BaseError) return err.shortMessage;
  // Errors from libraries that follow the same convention (the engine's) carry it too.
  const short = (err as { shortMessage?: unknown } | null)?.shortMessage;
  if (typeof short === 'string') return short;
  if (err instanceof Error) return err.message;
  return String(err);
}
