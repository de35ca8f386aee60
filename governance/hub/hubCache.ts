import type { Db } from '../../platform/db/client.ts';
import { readProposal, type ProposalRow } from './readProposal.ts';
import { readSpace } from './readSpace.ts';
import type { SpaceRow } from './types.ts';

/**
 * How long another process's change to a space's settings, or to a proposal, may go unseen by
 * this process's vote path. This process's own writers (settings, update-proposal,
 * delete-proposal) invalidate its entries when they commit, so it sees its own writes at once.
 */
export const HUB_CACHE_TTL_MS = 2_000;
const MAX_ENTRIES = 1_000;

type Entry<V> = { value: V; at: number };

/**
 * A small read-through cache with invalidation. A read that began before an invalidation does not
 * fill the cache with what it read (the generation moved on), so a commit is never hidden by a
 * slower read of the old row.
 */
class ReadCache<V> {
  private entries = new Map<string, Entry<V>>();
  private generation = 0;

  async get(key: string, load: () => Promise<V | undefined>, keep: (v: V) => boolean = () => true): Promise<V | undefined> {
    const hit = this.entries.get(key);
    if (hit && performance.now() - hit.at < HUB_CACHE_TTL_MS) return hit.value;
    const generation = this.generation;
    const value = await load();
    if (value !== undefined && generation === this.generation && keep(value)) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(key, { value, at: performance.now() });
    }
    return value;
  }

  invalidate(key: string): void {
    this.generation++;
    this.entries.delete(key);
  }
}

type HubCache = { spaces: ReadCache<SpaceRow>; proposals: ReadCache<ProposalRow> };
const caches = new WeakMap<Db, HubCache>();

function cacheOf(db: Db): HubCache {
  let c = caches.get(db);
  if (!c) caches.set(db, (c = { spaces: new ReadCache(), proposals: new ReadCache() }));
  return c;
}

/** `readSpace` through this process's cache (at most `HUB_CACHE_TTL_MS` behind other processes' settings). */
export function readSpaceCached(deps: { db: Db }, id: string): Promise<SpaceRow | undefined> {
  return cacheOf(deps.db).spaces.get(id.toLowerCase(), () => readSpace(deps, id));
}

/**
 * `readProposal` through this process's cache, for the vote path. Only proposals whose voting has
 * started are kept: from then on what a vote is checked against (start, end, type, choices,
 * strategies, snapshot, validation) can no longer change (update-proposal is refused once a
 * proposal has started), so the only change left is deletion — which this process's own
 * delete-proposal invalidates at once, and which the vote batch re-checks in its transaction
 * (`FOR KEY SHARE` on the proposal), so a deleted proposal never gets a vote stored. Unknown ids
 * are never cached (a new proposal is seen at once). Other fields of the row (scores, votes) may
 * be stale and are not read from it.
 */
export function readProposalCached(deps: { db: Db }, params: { space: string; id: string }, now: number): Promise<ProposalRow | undefined> {
  return cacheOf(deps.db).proposals.get(
    `${params.space.toLowerCase()}|${params.id}`,
    () => readProposal(deps, params),
    (p) => p.start <= now,
  );
}

/** Forgets a space (its settings were written by this process). */
export function invalidateSpace(db: Db, id: string): void {
  cacheOf(db).spaces.invalidate(id.toLowerCase());
}

/** Forgets a proposal (updated or deleted by this process). */
export function invalidateProposal(db: Db, space: string, id: string): void {
  cacheOf(db).proposals.invalidate(`${space.toLowerCase()}|${id}`);
}
