import { sql } from 'drizzle-orm';
import type { Chain, PublicClient, Transport } from 'viem';
import type { Db } from '../../platform/db/client.ts';
import { hubVpCache } from '../../platform/db/schema.ts';
import { getCachedVotingPower, type GetCachedVotingPowerParameters, vpFromCacheRow } from './getCachedVotingPower.ts';
import type { VotingPower } from './getVotingPower.ts';

type Deps = { db: Db; publicClient: PublicClient<Transport, Chain> };
type Waiting = { params: GetCachedVotingPowerParameters; resolve: (vp: VotingPower) => void; reject: (err: unknown) => void };
type Loader = { waiting: Waiting[]; running: boolean };

/** At most this many (proposal, voter) pairs in one read of the cache. */
const MAX_KEYS = 500;
const loaders = new WeakMap<Db, Loader>();

/**
 * `getCachedVotingPower`, with the reads of `hub_vp_cache` coalesced: the lookups that arrive while
 * one read is running go out together as the next read (one query for many voters), and the pairs
 * the cache does not hold go to `getCachedVotingPower` one by one (the chain, then the cache).
 * Same answers as calling `getCachedVotingPower` for each.
 */
export function loadCachedVotingPower(deps: Deps, params: GetCachedVotingPowerParameters): Promise<VotingPower> {
  let loader = loaders.get(deps.db);
  if (!loader) loaders.set(deps.db, (loader = { waiting: [], running: false }));
  const l = loader;
  return new Promise<VotingPower>((resolve, reject) => {
    l.waiting.push({ params, resolve, reject });
    if (!l.running) {
      l.running = true;
      queueMicrotask(() => void drain(deps, l));
    }
  });
}

async function drain(deps: Deps, loader: Loader): Promise<void> {
  while (loader.waiting.length) {
    const batch = loader.waiting.splice(0, MAX_KEYS);
    try {
      // Two array parameters, however many pairs.
      const proposals = sql.param(batch.map((w) => w.params.proposal));
      const voters = sql.param(batch.map((w) => w.params.address));
      const rows = await deps.db
        .select()
        .from(hubVpCache)
        .where(sql`(${hubVpCache.proposal}, ${hubVpCache.voter}) in (select * from unnest(${proposals}::text[], ${voters}::text[]))`);
      const found = new Map(rows.map((r) => [`${r.proposal}|${r.voter}`, r]));
      for (const w of batch) {
        const row = found.get(`${w.params.proposal}|${w.params.address}`);
        if (row) w.resolve(vpFromCacheRow(row));
        else getCachedVotingPower(deps, w.params).then(w.resolve, w.reject);
      }
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
  loader.running = false;
}
