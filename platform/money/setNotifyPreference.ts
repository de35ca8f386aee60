import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { userSettings } from '../db/schema.ts';

export type NotifyPreference = 'on' | 'digest' | 'off';

/** How the user hears about earnings: each one (`on`), grouped per window (`digest`, the default) or not (`off`). */
export async function setNotifyPreference(deps: { db: Db }, userId: number, notify: NotifyPreference): Promise<void> {
  await deps.db
    .insert(userSettings)
    .values({ userId, notify })
    .onConflictDoUpdate({ target: userSettings.userId, set: { notify, updatedAt: new Date() } });
}

/** The user's earnings notification preference (`digest` until they choose). */
export async function getNotifyPreference(deps: { db: Db }, userId: number): Promise<NotifyPreference> {
  const [row] = await deps.db.select().from(userSettings).where(eq(userSettings.userId, userId));
  return row?.notify ?? 'digest';
}
