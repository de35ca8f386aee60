import { and, asc, eq, inArray, isNull, like, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { assets, assistants, datasets, earnings, identities, notifications, userSettings, users } from '../db/schema.ts';
import type { JobsPort } from '../jobsPort.ts';
import type { Logger } from '../log.ts';
import { findCurrency, formatAmount, type Currency } from '../money/currencies.ts';
import type { NotifyTarget } from '../notifications/deliverOnce.ts';
import { emitEarningsCredited } from '../webhooks/emitEarningsCredited.ts';

export type NotifyEarningsDeps = {
  db: Db;
  jobs: Pick<JobsPort, 'notify'> & Partial<Pick<JobsPort, 'webhook'>>;
  currencies: readonly Currency[];
  /** Earnings of one person within this window go out as one digest. */
  digestWindowMs: number;
  log: Logger;
};

type EarningRow = typeof earnings.$inferSelect;

/** Rows looked at per pass; the job runs again until none are left. */
const BATCH = 2000;

/**
 * Tells each holder what they earned, once per earning (the indexer's rows, keyed by chain,
 * transaction, log index and holder), on the transport they use: one message per earning when
 * they chose `/notify on`, one digest per window by default, nothing with `off`. The messages are
 * written and the earnings marked in one transaction, then queued; delivery is exactly once per
 * message key (see `deliverOnce`), and messages written but not yet delivered are queued again on
 * the next pass, so a crash at any point loses nothing and repeats nothing.
 * @returns how many messages were written now, and how many earnings were settled without one
 */
export async function notifyEarnings(deps: NotifyEarningsDeps, now = new Date()): Promise<{ messages: number; silent: number }> {
  const { db } = deps;
  const pending = await db
    .select()
    .from(earnings)
    .where(isNull(earnings.notifiedAt))
    .orderBy(asc(earnings.id))
    .limit(BATCH);
  let written: Array<{ key: string; target: NotifyTarget; text: string }> = [];
  let silent = 0;
  if (pending.length) {
    const holders = [...new Set(pending.map((e) => e.holder.toLowerCase()))];
    const owners = await db
      .select({ id: users.id, custodial: users.custodialAddress, wallet: users.walletAddress, notify: userSettings.notify })
      .from(users)
      .leftJoin(userSettings, eq(userSettings.userId, users.id))
      .where(or(inArray(sql`lower(${users.custodialAddress})`, holders), inArray(sql`lower(${users.walletAddress})`, holders)));
    const ownerOf = new Map<string, (typeof owners)[number]>();
    for (const o of owners) {
      ownerOf.set(o.custodial.toLowerCase(), o);
      if (o.wallet) ownerOf.set(o.wallet.toLowerCase(), o);
    }
    const names = await assetNames(db, [...new Set(pending.map((e) => e.assetId))]);
    const targets = await identityTargets(db, owners.map((o) => o.id));
    // Webhooks hear of every earning, whatever the chat preference (before the rows are settled: a crash repeats nothing).
    await emitEarningsCredited(deps, pending.flatMap((e) => {
      const owner = ownerOf.get(e.holder.toLowerCase());
      return owner ? [{ userId: owner.id, earning: e, assetName: names.get(e.assetId) }] : [];
    }));

    const settle: number[] = [];
    const byUser = new Map<number, EarningRow[]>();
    for (const e of pending) {
      const owner = ownerOf.get(e.holder.toLowerCase());
      // Dust below one unit, addresses no user owns, people who opted out or have no chat: nothing to send.
      if (e.amount === 0n || !owner || owner.notify === 'off' || !targets.get(owner.id)) {
        settle.push(e.id);
        continue;
      }
      byUser.set(owner.id, [...(byUser.get(owner.id) ?? []), e]);
    }
    silent = settle.length;
    const messages: Array<{ key: string; userId: number; target: NotifyTarget; text: string; ids: number[] }> = [];
    for (const [userId, rows] of byUser) {
      const owner = owners.find((o) => o.id === userId)!;
      const target = targets.get(userId)!;
      if ((owner.notify ?? 'digest') === 'on') {
        for (const e of rows)
          messages.push({ key: `earn:${e.chainId}:${e.txHash}:${e.logIndex}:${e.holder.toLowerCase()}`, userId, target, text: single(deps, e, names), ids: [e.id] });
      } else {
        // A digest waits until the window since its first earning has passed.
        if (now.getTime() - rows[0]!.createdAt.getTime() < deps.digestWindowMs) continue;
        messages.push({ key: `earn-digest:${userId}:${rows[0]!.id}`, userId, target, text: digest(deps, rows, names), ids: rows.map((r) => r.id) });
      }
    }
    await db.transaction(async (tx) => {
      if (messages.length)
        await tx
          .insert(notifications)
          .values(messages.map((m) => ({ key: m.key, target: m.target, text: m.text, userId: m.userId })))
          .onConflictDoNothing({ target: notifications.key });
      const ids = [...settle, ...messages.flatMap((m) => m.ids)];
      for (let i = 0; i < ids.length; i += 5000)
        await tx.update(earnings).set({ notifiedAt: now }).where(inArray(earnings.id, ids.slice(i, i + 5000)));
    });
    written = messages;
  }
  // Queue what was written now, and anything written earlier that a crash left undelivered.
  const stale = await db
    .select({ key: notifications.key, target: notifications.target, text: notifications.text })
    .from(notifications)
    .where(
      and(
        or(like(notifications.key, 'earn:%'), like(notifications.key, 'earn-digest:%')),
        eq(notifications.status, 'pending'),
        lt(notifications.createdAt, new Date(now.getTime() - 60_000)),
      ),
    )
    .limit(BATCH);
  for (const m of [...written, ...stale.map((s) => ({ ...s, target: s.target as NotifyTarget }))])
    await deps.jobs.notify({ key: m.key, target: m.target, reply: { text: m.text } });
  if (written.length || silent) deps.log.info({ messages: written.length, silent }, 'earnings notified');
  return { messages: written.length, silent };
}

const why = { license: 'a license was bought', royalty: 'a royalty from an asset built on it', deposit: 'a payment into its pool' } as const;

function single(deps: NotifyEarningsDeps, e: EarningRow, names: Map<bigint, string>): string {
  const amount = formatAmount(e.amount, currencyOf(deps, e.token));
  return `💰 You earned ${amount} from *${names.get(e.assetId) ?? `asset #${e.assetId}`}* (${why[e.cause as keyof typeof why] ?? e.cause}) — /claim`;
}

function digest(deps: NotifyEarningsDeps, rows: EarningRow[], names: Map<bigint, string>): string {
  if (rows.length === 1) return single(deps, rows[0]!, names);
  const lines = new Map<string, { name: string; currency: Currency; amount: bigint; count: number }>();
  const totals = new Map<string, { currency: Currency; amount: bigint }>();
  for (const e of rows) {
    const currency = currencyOf(deps, e.token);
    const key = `${e.assetId}:${e.token}`;
    const line = lines.get(key) ?? { name: names.get(e.assetId) ?? `asset #${e.assetId}`, currency, amount: 0n, count: 0 };
    line.amount += e.amount;
    line.count += 1;
    lines.set(key, line);
    const total = totals.get(e.token) ?? { currency, amount: 0n };
    total.amount += e.amount;
    totals.set(e.token, total);
  }
  return [
    `💰 You earned ${[...totals.values()].map((t) => formatAmount(t.amount, t.currency)).join(' and ')} from ${rows.length} payments:`,
    ...[...lines.values()].map((l) => `• ${formatAmount(l.amount, l.currency)} from *${l.name}* (${l.count} payment${l.count > 1 ? 's' : ''})`),
    '/claim to collect it.',
  ].join('\n');
}

function currencyOf(deps: NotifyEarningsDeps, token: string): Currency {
  return findCurrency(deps.currencies, token) ?? { symbol: `units of ${token}`, address: token as `0x${string}`, decimals: 0 };
}

async function assetNames(db: Db, chainAssetIds: bigint[]): Promise<Map<bigint, string>> {
  if (!chainAssetIds.length) return new Map();
  const rows = await db
    .select({ id: assets.chainAssetId, dataset: datasets.name, assistant: assistants.name })
    .from(assets)
    .leftJoin(datasets, eq(datasets.id, assets.datasetId))
    .leftJoin(assistants, eq(assistants.id, assets.assistantId))
    .where(inArray(assets.chainAssetId, chainAssetIds));
  return new Map(rows.map((r) => [r.id, r.assistant ?? r.dataset ?? `asset #${r.id}`]));
}

/** Where each user is told: their private chat on the transport of their newest chat identity. */
async function identityTargets(db: Db, userIds: number[]): Promise<Map<number, NotifyTarget>> {
  if (!userIds.length) return new Map();
  const rows = await db.select().from(identities).where(inArray(identities.userId, userIds)).orderBy(asc(identities.id));
  const out = new Map<number, NotifyTarget>();
  for (const r of rows) out.set(r.userId, { identity: { platform: r.platform, externalId: r.externalId } });
  return out;
}
