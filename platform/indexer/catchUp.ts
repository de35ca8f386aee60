import { BaseError } from '../errors.ts';
import { indexChain, type IndexChainParameters } from './indexChain.ts';
import type { IndexerDeps } from './types.ts';

export type CatchUpParameters = IndexChainParameters & {
  /** Most passes in one call, so a chain that keeps growing does not hold it forever. Default 100. */
  maxPasses?: number | undefined;
  /** Stops between passes when aborted (shutdown). */
  signal?: AbortSignal | undefined;
};

export type CatchUpReturnType = {
  passes: number;
  events: number;
  earnings: number;
  reorgs: number;
  /** The last recorded block, as a decimal string (null: none yet). */
  cursor: string | null;
  caughtUp: boolean;
  /** Set when a retryable error stopped this run (logged; the next run tries again). */
  error?: string | undefined;
};

/**
 * Runs {@link indexChain} passes until the cursor reaches head − confirmations. A retryable error
 * (the RPC or the database went away, a reorg while reading) is logged and ends the run early: the
 * next scheduled run continues. Any other error is thrown.
 */
export async function catchUp(deps: IndexerDeps, params: CatchUpParameters = {}): Promise<CatchUpReturnType> {
  const result: CatchUpReturnType = { passes: 0, events: 0, earnings: 0, reorgs: 0, cursor: null, caughtUp: false };
  const maxPasses = params.maxPasses ?? 100;
  while (result.passes < maxPasses && !params.signal?.aborted) {
    try {
      const pass = await indexChain(deps, params);
      result.passes += 1;
      result.events += pass.events;
      result.earnings += pass.earnings;
      result.reorgs += pass.reorg ? 1 : 0;
      result.cursor = pass.cursor?.toString() ?? null;
      result.caughtUp = pass.caughtUp;
      if (pass.caughtUp) break;
    } catch (err) {
      if (!(err instanceof BaseError && err.retryable)) throw err;
      deps.log.warn({ chainId: deps.chain.chainId, err: err.shortMessage }, 'indexing paused until the next run');
      result.error = err.shortMessage;
      break;
    }
  }
  return result;
}
