import { InputError } from '../errors.ts';

/**
 * The request conflicts with what is already recorded: a sign-in message used once already, a
 * wallet linked to another account, another wallet linked to this one. Nothing was changed.
 * HTTP answers it with 409.
 */
export class WalletConflictError extends InputError {
  override name = 'WalletConflictError' as const;
}
