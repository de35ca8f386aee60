import { and, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { webhooks } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { parsePublicId } from '../ids.ts';

export type WebhookRow = typeof webhooks.$inferSelect;

/**
 * One of `userId`'s live webhooks by its public id (`wh_…`).
 * @throws NotFoundError for someone else's webhook, a deleted one, or none: existence is not leaked
 */
export async function findOwnWebhook(deps: { db: DbOrTx }, params: { userId: number; webhookId: string }): Promise<WebhookRow> {
  const publicId = parsePublicId('wh', params.webhookId);
  const unknown = new NotFoundError(`You have no webhook ${params.webhookId.trim().slice(0, 40) || '(none given)'}.`);
  if (!publicId) throw unknown;
  const [row] = await deps.db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.publicId, publicId), eq(webhooks.userId, params.userId), isNull(webhooks.deletedAt)));
  if (!row) throw unknown;
  return row;
}
