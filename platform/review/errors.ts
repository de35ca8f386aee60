import { BaseError } from '../errors.ts';

/** Only appointed validators review datasets. */
export class NotValidatorError extends BaseError {
  override name = 'NotValidatorError' as const;
  constructor() {
    super('Only validators can review datasets.', {
      metaMessages: ['Validators are appointed by the operator (`caravan validators add`), later by governance.'],
    });
  }
}

/** Nobody reviews their own data. */
export class OwnDataReviewError extends BaseError {
  override name = 'OwnDataReviewError' as const;
  constructor() {
    super('You cannot review your own data: another validator has to.');
  }
}

/** The review is over (approved or rejected) before this vote arrived. */
export class ReviewClosedError extends BaseError {
  override name = 'ReviewClosedError' as const;
}

/** A validator votes once per dataset. */
export class AlreadyReviewedError extends BaseError {
  override name = 'AlreadyReviewedError' as const;
}
