import { InputError, NotFoundError } from '../../../platform/errors.ts';

/**
 * A read of the hub was refused (an argument over its limit, an invalid address). The message is
 * snapshot-hub's own where it has one (``The `first` argument must not be greater than 1000``),
 * so clients written for Snapshot read it unchanged; it is shown to the client as it is.
 */
export class HubQueryError extends InputError {
  override name = 'HubQueryError' as const;
}

/** What a read asked for does not exist (`proposal not found`); shown to the client as it is. */
export class HubNotFoundError extends NotFoundError {
  override name = 'HubNotFoundError' as const;
}
