import { and, eq, inArray, sql } from 'drizzle-orm';
import { getAddress, type Address } from 'viem';
import type { ChainDeps } from '../chain/clients.ts';
import type { Db } from '../db/client.ts';
import { earnings } from '../db/schema.ts';
import { findCurrency, type Currency } from '../money/currencies.ts';

/** One currency's earnings over time: the running total at the end of each day that had earnings. */
export type EarningsSeries = {
  currency: Currency;
  /** Days in UTC (`YYYY-MM-DD`), ascending, each with the cumulative amount earned up to its end. */
  points: Array<{ day: string; total: bigint }>;
};

/** A day's earnings in one token, as summed in the database. */
export type DailyEarnings = { token: string; day: string; amount: bigint };

/**
 * What `addresses` earned over time, per currency, from the `earnings` rows the chain indexer
 * writes (one per holder per revenue credit). Amounts only grow: claims move money out of the pool
 * but do not undo earnings. Empty when nothing was earned, or the indexer has not recorded it yet.
 */
export async function listEarningsHistory(
  deps: { db: Db; chain: Pick<ChainDeps, 'chainId'>; currencies: readonly Currency[] },
  params: { addresses: readonly string[] },
): Promise<EarningsSeries[]> {
  if (!params.addresses.length) return [];
  // The indexer stores checksummed addresses; both spellings are matched so a lower-case one is not missed.
  const holders = [...new Set(params.addresses.flatMap((a) => [getAddress(a), a.toLowerCase()]))];
  const day = sql<string>`to_char(${earnings.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`;
  const rows = await deps.db
    .select({ token: earnings.token, day, amount: sql<string>`sum(${earnings.amount})::text` })
    .from(earnings)
    .where(and(eq(earnings.chainId, deps.chain.chainId), inArray(earnings.holder, holders)))
    .groupBy(earnings.token, day)
    .orderBy(day);
  return cumulativeByDay(
    rows.map((r) => ({ token: r.token, day: r.day, amount: BigInt(r.amount) })),
    deps.currencies,
  );
}

/** Running totals per currency from daily sums (any order); tokens not among `currencies` are shown as raw units. */
export function cumulativeByDay(rows: readonly DailyEarnings[], currencies: readonly Currency[]): EarningsSeries[] {
  const byToken = new Map<string, DailyEarnings[]>();
  for (const r of rows) {
    const key = r.token.toLowerCase();
    byToken.set(key, [...(byToken.get(key) ?? []), r]);
  }
  const series: EarningsSeries[] = [];
  for (const [key, list] of byToken) {
    const currency = findCurrency(currencies, key) ?? { symbol: 'units', address: getAddress(key) as Address, decimals: 0 };
    const perDay = new Map<string, bigint>();
    for (const r of list) perDay.set(r.day, (perDay.get(r.day) ?? 0n) + r.amount);
    let total = 0n;
    const points = [...perDay.keys()].sort().map((day) => ({ day, total: (total += perDay.get(day)!) }));
    series.push({ currency, points });
  }
  const order = (c: Currency) => {
    const i = currencies.findIndex((x) => x.address.toLowerCase() === c.address.toLowerCase());
    return i < 0 ? currencies.length : i;
  };
  return series.sort((a, b) => order(a.currency) - order(b.currency));
}
