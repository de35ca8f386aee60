import { and, desc, eq, sql } from 'drizzle-orm';
import { chainEvents, chainReceiptHolders, earnings } from '../db/schema.ts';
import type { StoredEvent, Tx } from './types.ts';

/** Scale of `RevenuePool`'s reward-per-share accumulator. */
export const PRECISION = 10n ** 18n;

/** Why an asset was paid. */
export type EarningCause = 'license' | 'royalty' | 'deposit';

/**
 * Derives per-holder earnings from `RevenuePool` events, applied in chain order within one
 * indexing transaction. It mirrors the pool's accounting exactly: a holder's accrued balance is
 * Σ shares-at-the-time × Δ accPerShare minus what they claimed (the pool settles a holder at the
 * old shares right before their shares change, so the sum decomposes per credit).
 *
 * What it needs from earlier events (the pool's last `accPerShare`, a holder's accrued balance) is
 * read once from the tables, bounded to events before the one being applied, then kept up to date
 * in memory as later events of the pass are applied.
 */
export function createEarningsLedger(tx: Tx, chainId: number) {
  const lastAcc = new Map<string, bigint>();
  const accrued = new Map<string, bigint>();
  const before = (e: StoredEvent) => sql`(${e.blockNumber.toString()}::bigint, ${e.logIndex}::int)`;

  async function previousAcc(e: StoredEvent, assetId: string, token: string): Promise<bigint> {
    const key = `${assetId}:${token}`;
    const cached = lastAcc.get(key);
    if (cached !== undefined) return cached;
    const [row] = await tx
      .select({ args: chainEvents.args })
      .from(chainEvents)
      .where(
        and(
          eq(chainEvents.chainId, chainId),
          eq(chainEvents.name, 'RevenueCredited'),
          eq(chainEvents.contract, 'revenuePool'),
          sql`${chainEvents.args}->>'assetId' = ${assetId}`,
          sql`${chainEvents.args}->>'token' = ${token}`,
          sql`(${chainEvents.blockNumber}, ${chainEvents.logIndex}) < ${before(e)}`,
        ),
      )
      .orderBy(desc(chainEvents.blockNumber), desc(chainEvents.logIndex))
      .limit(1);
    return row ? BigInt(row.args.accPerShare as string) : 0n;
  }

  async function accruedBefore(e: StoredEvent, assetId: string, token: string, holder: string): Promise<bigint> {
    const key = `${assetId}:${token}:${holder}`;
    const cached = accrued.get(key);
    if (cached !== undefined) return cached;
    const [earned] = await tx
      .select({ sum: sql<string>`coalesce(sum(${earnings.scaled}), 0)::text` })
      .from(earnings)
      .where(
        and(
          eq(earnings.chainId, chainId),
          eq(earnings.assetId, BigInt(assetId)),
          eq(earnings.token, token),
          eq(earnings.holder, holder),
          sql`(${earnings.blockNumber}, ${earnings.logIndex}) < ${before(e)}`,
        ),
      );
    const claimed = await claimedBefore(tx, chainId, { assetId, token, holder, before: before(e) });
    const value = BigInt(earned!.sum) - PRECISION * claimed;
    accrued.set(key, value);
    return value;
  }

  return {
    /**
     * Applies `RevenueCredited(assetId, token, amount, accPerShare)`: one earnings row per holder
     * of the asset (shares summed per address), `scaled` = shares × Δ accPerShare, `amount` = how
     * much that raised their claimable whole units.
     * @returns the number of earnings rows written
     */
    async credit(e: StoredEvent, cause: EarningCause): Promise<number> {
      const assetId = String(e.args.assetId);
      const token = String(e.args.token);
      const acc = BigInt(e.args.accPerShare as string);
      const delta = acc - (await previousAcc(e, assetId, token));
      lastAcc.set(`${assetId}:${token}`, acc);
      if (delta <= 0n) return 0;
      const holders = await tx
        .select({ holder: chainReceiptHolders.holder, shares: sql<string>`sum(${chainReceiptHolders.shares})::text` })
        .from(chainReceiptHolders)
        .where(and(eq(chainReceiptHolders.chainId, chainId), eq(chainReceiptHolders.assetId, BigInt(assetId))))
        .groupBy(chainReceiptHolders.holder)
        .orderBy(chainReceiptHolders.holder);
      let written = 0;
      for (const h of holders) {
        const scaled = BigInt(h.shares) * delta;
        if (scaled === 0n) continue;
        const prior = await accruedBefore(e, assetId, token, h.holder);
        const amount = (prior + scaled) / PRECISION - prior / PRECISION;
        accrued.set(`${assetId}:${token}:${h.holder}`, prior + scaled);
        const inserted = await tx
          .insert(earnings)
          .values({
            eventId: e.id,
            chainId,
            blockNumber: e.blockNumber,
            txHash: e.txHash,
            logIndex: e.logIndex,
            assetId: BigInt(assetId),
            token,
            holder: h.holder,
            scaled,
            amount,
            cause,
          })
          .onConflictDoNothing()
          .returning({ id: earnings.id });
        written += inserted.length;
      }
      return written;
    },

    /** Applies `Claimed(assetId, token, holder, amount)`: the holder's accrued balance drops by the whole units paid. */
    claim(e: StoredEvent): void {
      const key = `${String(e.args.assetId)}:${String(e.args.token)}:${String(e.args.holder)}`;
      const cached = accrued.get(key);
      // Not cached: it will be read from the tables, which hold this claim, when needed.
      if (cached !== undefined) accrued.set(key, cached - PRECISION * BigInt(e.args.amount as string));
    },
  };
}

export type EarningsLedger = ReturnType<typeof createEarningsLedger>;

/** Σ whole units `holder` claimed from (`assetId`, `token`) in the recorded `Claimed` events (before `before`, if given). */
export async function claimedBefore(
  tx: Tx,
  chainId: number,
  params: { assetId: string; token: string; holder: string; before?: ReturnType<typeof sql> | undefined },
): Promise<bigint> {
  const [row] = await tx
    .select({ sum: sql<string>`coalesce(sum((${chainEvents.args}->>'amount')::numeric), 0)::text` })
    .from(chainEvents)
    .where(
      and(
        eq(chainEvents.chainId, chainId),
        eq(chainEvents.name, 'Claimed'),
        eq(chainEvents.contract, 'revenuePool'),
        sql`${chainEvents.args}->>'assetId' = ${params.assetId}`,
        sql`${chainEvents.args}->>'token' = ${params.token}`,
        sql`${chainEvents.args}->>'holder' = ${params.holder}`,
        params.before ? sql`(${chainEvents.blockNumber}, ${chainEvents.logIndex}) < ${params.before}` : undefined,
      ),
    );
  return BigInt(row!.sum);
}
