import { BaseError, type BaseErrorParameters } from '../../platform/errors.ts';

/**
 * A message the hub refused, with Snapshot's sequencer's own words (`error_description`) and
 * HTTP status, so clients written for Snapshot read it unchanged. Nothing was stored.
 */
export class HubMessageError extends BaseError {
  override name = 'HubMessageError' as const;
  /** Snapshot's error string, e.g. `wrong timestamp`. */
  readonly description: string;
  /** 400 for a refused message (Snapshot's `client_error`); 500 when the hub itself failed. */
  readonly status: number;

  constructor(description: string, params: BaseErrorParameters & { status?: number } = {}) {
    super(`The hub refused the message: ${description}.`, params);
    this.description = description;
    this.status = params.status ?? 400;
  }
}

/** Shorthand for refusing a message with Snapshot's string. */
export const refuse = (description: string, params?: BaseErrorParameters & { status?: number }): never => {
  throw new HubMessageError(description, params);
};
