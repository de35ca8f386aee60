import { and, eq, gt, isNotNull, isNull, lte } from 'drizzle-orm';
import { createComponent } from '../chat/createComponent.ts';
import type { Db } from '../db/client.ts';
import { assistants, identities, licenses } from '../db/schema.ts';
import type { JobsPort } from '../jobsPort.ts';
import { expiryText } from '../messages/money.ts';

/** How long before expiry the reminder goes out. */
export const REMINDER_BEFORE_MS = 3 * 86_400_000;

/**
 * Tells each license holder once, three days before their license expires, with a Renew button.
 * The reminder's key names the license and its expiry, so a renewed license is reminded again before
 * its new expiry, and never twice for the same one.
 * @returns how many reminders were queued
 */
export async function remindExpiringLicenses(deps: { db: Db; jobs: Pick<JobsPort, 'notify'> }, now = new Date()): Promise<number> {
  const { db } = deps;
  const due = await db
    .select({ license: licenses, assistant: { name: assistants.name, publicId: assistants.publicId } })
    .from(licenses)
    .innerJoin(assistants, eq(assistants.id, licenses.assistantId))
    .where(
      and(
        isNotNull(licenses.userId),
        isNull(licenses.reminderSentAt),
        gt(licenses.expiresAt, now),
        lte(licenses.expiresAt, new Date(now.getTime() + REMINDER_BEFORE_MS)),
      ),
    );
  let queued = 0;
  for (const { license, assistant } of due) {
    const [identity] = await db.select().from(identities).where(eq(identities.userId, license.userId!)).orderBy(identities.id).limit(1);
    if (identity) {
      const renew = await createComponent(deps, {
        action: 'license.renew',
        data: { licenseId: license.id },
        ownerUserId: license.userId,
        ttlMs: license.expiresAt!.getTime() - now.getTime() + 7 * 86_400_000,
      });
      await deps.jobs.notify({
        key: `license-reminder:${license.id}:${license.expiresAt!.getTime()}`,
        target: { identity: { platform: identity.platform, externalId: identity.externalId } },
        reply: {
          text: `⏰ Your license #${license.chainLicenseId} for ${assistant.name} (${assistant.publicId}) expires ${expiryText(license.expiresAt, now)}.`,
          rows: [{ buttons: [{ kind: 'button', label: '🔄 Renew', style: 'primary', id: renew }] }],
        },
      });
      queued += 1;
    }
    await db.update(licenses).set({ reminderSentAt: now }).where(eq(licenses.id, license.id));
  }
  return queued;
}
