import { and, asc, eq, gt, inArray, isNull, like, lt, lte, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.ts';
import { hubAliases, identities, keys, notifications, users } from '../../platform/db/schema.ts';
import type { JobsPort } from '../../platform/jobsPort.ts';
import type { NotifyTarget } from '../../platform/notifications/deliverOnce.ts';
import { ALIAS_VALIDITY_SECONDS } from '../hub/isValidAlias.ts';
import { utcMinute } from '../../platform/messages/format.ts';

/** How long before a voting alias ends its holder is reminded. */
export const ALIAS_REMINDER_SECONDS = 3 * 86_400;

/**
 * Tells each person whose voting alias ends within three days, and who has not renewed it, that
 * `/alias` renews it: once per authorisation (the message key), written and queued in one step,
 * so passes that repeat send nothing twice. Revoked aliases and ones a newer authorisation
 * replaced are left alone.
 * @returns how many reminders were written now
 */
export async function remindAliasRenewals(deps: { db: Db; jobs: Pick<JobsPort, 'notify'> }, params: { now?: number } = {}): Promise<number> {
  const now = params.now ?? Math.floor(Date.now() / 1000);
  const due = await deps.db
    .select({ id: hubAliases.id, created: hubAliases.created, userId: users.id, wallet: hubAliases.address, alias: hubAliases.alias })
    .from(hubAliases)
    .innerJoin(keys, and(eq(keys.kind, 'alias'), eq(keys.address, hubAliases.alias)))
    .innerJoin(users, and(eq(users.id, keys.userId), sql`lower(${users.walletAddress}) = lower(${hubAliases.address})`))
    .where(
      and(
        isNull(hubAliases.revokedAt),
        gt(hubAliases.created, now - ALIAS_VALIDITY_SECONDS),
        lte(hubAliases.created, now - ALIAS_VALIDITY_SECONDS + ALIAS_REMINDER_SECONDS),
        // The newest authorisation of this pair only: a renewal replaces the reminder.
        sql`not exists (select 1 from ${hubAliases} newer where newer.address = ${hubAliases.address} and newer.alias = ${hubAliases.alias} and newer.created > ${hubAliases.created} and newer.revoked_at is null)`,
      ),
    )
    .limit(500);
  // Written by an earlier pass that stopped before queueing them: queued now (delivery is once per key).
  const stale = await deps.db
    .select({ key: notifications.key, target: notifications.target, text: notifications.text })
    .from(notifications)
    .where(and(like(notifications.key, 'alias-renew:%'), eq(notifications.status, 'pending'), lt(notifications.createdAt, new Date(Date.now() - 60_000))))
    .limit(500);
  for (const m of stale) await deps.jobs.notify({ key: m.key, target: m.target as NotifyTarget, reply: { text: m.text } });
  if (!due.length) return 0;
  const ids = await deps.db
    .select({ userId: identities.userId, platform: identities.platform, externalId: identities.externalId })
    .from(identities)
    .where(inArray(identities.userId, [...new Set(due.map((d) => d.userId))]))
    .orderBy(asc(identities.id));
  const targetOf = new Map<number, NotifyTarget>();
  for (const i of ids) targetOf.set(i.userId, { identity: { platform: i.platform, externalId: i.externalId } });
  let written = 0;
  for (const d of due) {
    const target = targetOf.get(d.userId);
    if (!target) continue;
    const text = `🗝 Your voting alias for ${d.wallet} ends on ${utcMinute(d.created + ALIAS_VALIDITY_SECONDS)}: after that, votes from the chat need your wallet again. /alias renews it for 30 days (one signature, no gas).`;
    const key = `alias-renew:${d.id}`;
    const inserted = await deps.db.insert(notifications).values({ key, target, text, userId: d.userId }).onConflictDoNothing({ target: notifications.key }).returning({ id: notifications.id });
    if (!inserted.length) continue;
    await deps.jobs.notify({ key, target, reply: { text } });
    written += 1;
  }
  return written;
}
