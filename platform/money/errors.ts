import { BaseError } from '../errors.ts';

/** The balance does not cover a payment; nothing was paid. `missing` says how much more is needed. */
export class InsufficientFundsError extends BaseError {
  override name = 'InsufficientFundsError' as const;
}

/** The price changed after the person saw it; nothing was paid. */
export class PriceChangedError extends BaseError {
  override name = 'PriceChangedError' as const;
}

/** Chatting with this assistant needs a license the person does not have (or it expired). */
export class LicenseRequiredError extends BaseError {
  override name = 'LicenseRequiredError' as const;
  constructor(
    message: string,
    readonly assistantPublicId: string,
    /** The license that expired, when one did (for a Renew button). */
    readonly expiredLicenseId: number | undefined,
  ) {
    super(message);
  }
}

/** Only the development chain has a faucet and a test stablecoin. */
export class NotDevChainError extends BaseError {
  override name = 'NotDevChainError' as const;
}
