import type { Db } from '../../platform/db/client.ts';
import type { Logger } from '../../platform/log.ts';
import { tallyProposal } from './tallyProposal.ts';

export type TallyScheduler = {
  /** Asks for a recount of `proposal`; requests made while one runs coalesce into one more. */
  request(proposal: string): void;
  /** Resolves when no recount is running or waiting. */
  idle(): Promise<void>;
};

/**
 * Recounts proposals after votes, at most one count per proposal at a time: a burst of votes
 * costs one running count plus one more, not one per vote (a count reads every vote).
 */
export function createTallyScheduler(deps: {
  db: Db;
  log?: Logger | undefined;
  /** Called after each count of a proposal is stored (the runtime then updates its governance posts). */
  onCounted?: ((proposal: string) => void) | undefined;
}): TallyScheduler {
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  const run = (proposal: string): Promise<void> => {
    const p = (async () => {
      do {
        again.delete(proposal);
        try {
          await tallyProposal(deps, { proposal });
          deps.onCounted?.(proposal);
        } catch (err) {
          deps.log?.warn({ err, proposal }, 'tally failed');
        }
      } while (again.has(proposal));
      running.delete(proposal);
    })();
    running.set(proposal, p);
    return p;
  };
  return {
    request(proposal) {
      if (running.has(proposal)) again.add(proposal);
      else void run(proposal);
    },
    async idle() {
      while (running.size) await Promise.all(running.values());
    },
  };
}
