import { and, inArray, isNull, sql } from 'drizzle-orm';
import { webhooks } from '../db/schema.ts';
import { findCurrency, type Currency } from '../money/currencies.ts';
import { emitWebhookEvent } from './emitWebhookEvent.ts';
import type { EmitWebhookDeps } from './types.ts';
import { earningCreditedEvent } from './webhookEvents.ts';

export type CreditedEarning = {
  /** The user owning the holder address. */
  userId: number;
  earning: Parameters<typeof earningCreditedEvent>[1];
  assetName: string | undefined;
};

/**
 * `earning.credited` for each earning, to its holder's webhooks, whatever their chat preference;
 * dust (0 units) is not sent. Users without such a webhook cost one query for the whole batch.
 * Emitting an earning again (the next index pass, a reorg replayed) sends nothing new.
 * @returns the deliveries created now
 */
export async function emitEarningsCredited(
  deps: EmitWebhookDeps & { currencies: readonly Currency[] },
  credited: readonly CreditedEarning[],
): Promise<number> {
  const candidates = credited.filter((c) => c.earning.amount > 0n);
  if (!candidates.length) return 0;
  const subscribed = await deps.db
    .selectDistinct({ userId: webhooks.userId })
    .from(webhooks)
    .where(
      and(
        inArray(webhooks.userId, [...new Set(candidates.map((c) => c.userId))]),
        isNull(webhooks.deletedAt),
        sql`${'earning.credited'} = any(${webhooks.events})`,
      ),
    );
  const users = new Set(subscribed.map((s) => s.userId));
  let created = 0;
  for (const c of candidates) {
    if (!users.has(c.userId)) continue;
    const currency = findCurrency(deps.currencies, c.earning.token);
    created += (await emitWebhookEvent(deps, earningCreditedEvent(c.userId, c.earning, { name: c.assetName, currency }))).length;
  }
  return created;
}
