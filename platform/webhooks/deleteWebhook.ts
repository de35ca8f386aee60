import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { webhookDeliveries, webhooks } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { parsePublicId } from '../ids.ts';

/**
 * Deletes one of the user's webhooks, at once: no new events are sent to it, and deliveries still
 * pending are given up (`failed`, "webhook deleted"). Its delivery history is kept. Someone else's
 * webhook, or one already deleted, is unknown (404).
 */
export async function deleteWebhook(deps: { db: Db }, params: { userId: number; webhookId: string }): Promise<{ id: string }> {
  const publicId = parsePublicId('wh', params.webhookId);
  const unknown = new NotFoundError(`You have no webhook ${params.webhookId.trim().slice(0, 40) || '(none given)'}.`);
  if (!publicId) throw unknown;
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(webhooks)
      .set({ deletedAt: new Date() })
      .where(and(eq(webhooks.publicId, publicId), eq(webhooks.userId, params.userId), isNull(webhooks.deletedAt)))
      .returning({ id: webhooks.id, publicId: webhooks.publicId });
    if (!row) throw unknown;
    await tx
      .update(webhookDeliveries)
      .set({ status: 'failed', lastError: 'webhook deleted' })
      .where(and(eq(webhookDeliveries.webhookId, row.id), eq(webhookDeliveries.status, 'pending')));
    return { id: row.publicId };
  });
}
