import { HubMessageError } from './errors.ts';
import type { HubDeps } from './types.ts';
import { writeVotes, type VoteEntry, type VoteOutcome } from './writeVotes.ts';

/** Votes waiting to be written together (group commit); see `createVoteQueue`. */
export type VoteQueue = {
  /** Resolves once the vote is committed; rejects with its refusal (or the failure) otherwise. */
  submit(deps: HubDeps, entry: VoteEntry): Promise<void>;
  /** Stops taking votes (later ones are refused with 503) and resolves when every taken vote is written or answered. */
  close(): Promise<void>;
};

type Waiting = { deps: HubDeps; entry: VoteEntry; settle: (o: VoteOutcome) => void };

/**
 * A per-process group commit for votes. A vote that arrives while nothing is being written is
 * written at once (a batch of one: no added wait); the votes that arrive while a batch is being
 * written go together as the next batch (`writeVotes`: one transaction, multi-row inserts), up to
 * `maxBatch`. Each caller is answered with its own vote's outcome, after its batch commits.
 */
export function createVoteQueue(options: { maxBatch?: number } = {}): VoteQueue {
  const maxBatch = options.maxBatch ?? 256;
  const waiting: Waiting[] = [];
  let running: Promise<void> | undefined;
  let closed = false;

  const drain = async () => {
    try {
      while (waiting.length) {
        const batch = waiting.splice(0, maxBatch);
        // One HubDeps per process in practice; votes for different ones are written apart.
        const byDeps = new Map<HubDeps, Waiting[]>();
        for (const w of batch) byDeps.set(w.deps, [...(byDeps.get(w.deps) ?? []), w]);
        for (const [deps, group] of byDeps) {
          let outcomes: VoteOutcome[];
          try {
            outcomes = await writeVotes(
              deps,
              group.map((w) => w.entry),
            );
          } catch (cause) {
            outcomes = group.map(() => ({ ok: false, error: new HubMessageError('failed', { status: 500, cause }) }));
          }
          group.forEach((w, i) => w.settle(outcomes[i]!));
        }
      }
    } finally {
      // Cleared in the same turn as the last look at `waiting`, so a vote submitted next starts a new drain.
      running = undefined;
    }
  };

  return {
    submit(deps, entry) {
      if (closed) return Promise.reject(new HubMessageError('the hub is shutting down', { status: 503 }));
      return new Promise<void>((resolve, reject) => {
        waiting.push({ deps, entry, settle: (o) => (o.ok ? resolve() : reject(o.error)) });
        if (!running) running = drain();
      });
    },
    async close() {
      closed = true;
      while (running) await running;
    },
  };
}
