import { BaseError as ViemBaseError, ContractFunctionRevertedError } from 'viem';
import { ChainError } from '../errors.ts';

/** Turns viem errors into `ChainError`: contract reverts are final, transport errors retryable. */
export function toChainError(cause: unknown, what: string): ChainError {
  if (cause instanceof ViemBaseError) {
    const revert = cause.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert instanceof ContractFunctionRevertedError) {
      const reason = revert.data?.errorName ?? revert.reason ?? 'unknown reason';
      return new ChainError(`The contract refused ${what}: ${reason}.`, { cause, retryable: false });
    }
    return new ChainError(`Chain call ${what} failed: ${cause.shortMessage}`, { cause, retryable: true });
  }
  return new ChainError(`Chain call ${what} failed.`, { cause, retryable: true });
}
