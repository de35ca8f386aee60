import { BaseError } from '../errors.ts';

/** A button, select or form that no longer works (past its time, or from before a reset). */
export class ComponentExpiredError extends BaseError {
  override name = 'ComponentExpiredError' as const;
  constructor() {
    super('This has expired. Run the command again to get a fresh one.');
  }
}

/** Someone pressed a control that belongs to another person's message. */
export class ComponentNotYoursError extends BaseError {
  override name = 'ComponentNotYoursError' as const;
  constructor() {
    super('This is not yours: only the person it was shown to can use it.');
  }
}

/** A control that acts once was pressed again (a double click, or a second device). */
export class ComponentUsedError extends BaseError {
  override name = 'ComponentUsedError' as const;
  constructor() {
    super('This was already done.');
  }
}
