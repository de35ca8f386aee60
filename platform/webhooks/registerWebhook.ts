import { and, eq, isNull, sql } from 'drizzle-orm';
import type { AesKey } from '../crypto/aead.ts';
import type { Db } from '../db/client.ts';
import { webhooks } from '../db/schema.ts';
import { InputError } from '../errors.ts';
import { newPublicId } from '../ids.ts';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './types.ts';
import { parseWebhookUrl } from './webhookUrl.ts';
import { newWebhookSecret, sealWebhookSecret } from './webhookSecret.ts';

/** How many live webhooks one user may hold. */
export const MAX_WEBHOOKS_PER_USER = 10;

export type RegisterWebhookDeps = { db: Db; masterKey: AesKey; allowPrivateHosts: boolean };

export type RegisterWebhookParameters = { userId: number; url: string; events: readonly string[] };

export type RegisteredWebhook = {
  id: string;
  url: string;
  events: WebhookEventType[];
  /** The signing secret (`whsec_…`): returned this once, stored only sealed with the master key. */
  secret: string;
  createdAt: Date;
};

/**
 * Registers a URL that `userId`'s events are POSTed to, signed with a new secret. The URL must be
 * http(s), and public unless `allowPrivateHosts` (see `parseWebhookUrl`); events come from
 * {@link WEBHOOK_EVENT_TYPES} (at least one; repeats are dropped). At most
 * {@link MAX_WEBHOOKS_PER_USER} live webhooks a user.
 * @throws InputError for a bad URL, an unknown event, or too many webhooks
 */
export async function registerWebhook(deps: RegisterWebhookDeps, params: RegisterWebhookParameters): Promise<RegisteredWebhook> {
  const url = parseWebhookUrl(params.url, { allowPrivateHosts: deps.allowPrivateHosts }).toString();
  const unknown = params.events.filter((e) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(e));
  if (unknown.length) throw new InputError(`Unknown event${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: choose from ${WEBHOOK_EVENT_TYPES.join(', ')}.`);
  const events = WEBHOOK_EVENT_TYPES.filter((e) => params.events.includes(e));
  if (!events.length) throw new InputError(`Choose at least one event: ${WEBHOOK_EVENT_TYPES.join(', ')}.`);
  const secret = newWebhookSecret();
  const publicId = newPublicId('wh');
  return deps.db.transaction(async (tx) => {
    // One registration at a time per user, so the cap holds under concurrent requests.
    await tx.execute(sql`select pg_advisory_xact_lock(${0x57484b}, ${params.userId})`);
    const [live] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(webhooks)
      .where(and(eq(webhooks.userId, params.userId), isNull(webhooks.deletedAt)));
    if ((live?.n ?? 0) >= MAX_WEBHOOKS_PER_USER)
      throw new InputError(`You have ${MAX_WEBHOOKS_PER_USER} webhooks; delete one you no longer use first.`);
    const [row] = await tx
      .insert(webhooks)
      .values({ publicId, userId: params.userId, url, events: [...events], secretSealed: sealWebhookSecret(deps.masterKey, publicId, secret) })
      .returning();
    return { id: publicId, url, events: [...events], secret, createdAt: row!.createdAt };
  });
}
