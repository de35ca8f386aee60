import { and, desc, eq, isNull, lt } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { webhooks } from '../db/schema.ts';
import type { WebhookEventType } from './types.ts';

export type WebhookInfo = { id: string; url: string; events: WebhookEventType[]; createdAt: Date };

/** The user's live webhooks, newest first (never their secrets). */
export async function listWebhooks(
  deps: { db: Db },
  params: { userId: number; /** Internal id to continue after (pagination). */ before?: number | undefined; limit?: number | undefined },
): Promise<{ webhooks: WebhookInfo[]; last: number | null }> {
  const limit = params.limit ?? 100;
  const rows = await deps.db
    .select({ id: webhooks.id, publicId: webhooks.publicId, url: webhooks.url, events: webhooks.events, createdAt: webhooks.createdAt })
    .from(webhooks)
    .where(and(eq(webhooks.userId, params.userId), isNull(webhooks.deletedAt), params.before ? lt(webhooks.id, params.before) : undefined))
    .orderBy(desc(webhooks.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return {
    webhooks: page.map((r) => ({ id: r.publicId, url: r.url, events: r.events as WebhookEventType[], createdAt: r.createdAt })),
    last: rows.length > limit ? page.at(-1)!.id : null,
  };
}
