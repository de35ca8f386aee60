import { z } from 'zod';
import { deleteWebhook } from '../../platform/webhooks/deleteWebhook.ts';
import { listWebhookDeliveries } from '../../platform/webhooks/listWebhookDeliveries.ts';
import { listWebhooks } from '../../platform/webhooks/listWebhooks.ts';
import { pingWebhook } from '../../platform/webhooks/pingWebhook.ts';
import { registerWebhook } from '../../platform/webhooks/registerWebhook.ts';
import { WEBHOOK_EVENT_TYPES } from '../../platform/webhooks/types.ts';
import { MAX_WEBHOOK_URL_LENGTH } from '../../platform/webhooks/webhookUrl.ts';
import type { V1Deps } from './createV1Router.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { defineRoute, pageOf, pageQuery, type Route } from './route.ts';
import { idParam, timestamp } from './schemas.ts';

const eventType = z.enum(WEBHOOK_EVENT_TYPES).meta({
  description:
    '`finetune.finished`: an assistant of yours finished training (ready or failed); `license.bought`: a license for your assistant was bought, or you bought one; ' +
    '`earning.credited`: an asset you hold a receipt of earned you money; `dataset.reviewed`: a dataset of yours was approved or rejected.',
});

const webhookSchema = z
  .object({
    id: z.string().meta({ example: 'wh_4k9x2m7qa1' }),
    url: z.string().meta({ example: 'https://example.com/caravan/webhook' }),
    events: z.array(eventType),
    createdAt: timestamp,
  })
  .meta({ id: 'Webhook' });

const createdWebhookSchema = z
  .object({
    id: z.string().meta({ example: 'wh_4k9x2m7qa1' }),
    url: z.string(),
    events: z.array(eventType),
    secret: z.string().meta({
      description: 'The signing secret (`whsec_…`). Shown once: check each delivery\'s `Caravan-Signature` with it.',
      example: 'whsec_q2Xv…',
    }),
    createdAt: timestamp,
  })
  .meta({ id: 'CreatedWebhook' });

const createWebhookBody = z
  .strictObject({
    url: z.string().min(1).max(MAX_WEBHOOK_URL_LENGTH).meta({ description: 'Where events are POSTed (https, or http).', example: 'https://example.com/caravan/webhook' }),
    events: z.array(eventType).min(1).max(WEBHOOK_EVENT_TYPES.length * 2).meta({ description: 'The events to send to it.' }),
  })
  .meta({ id: 'CreateWebhook' });

const deliverySchema = z
  .object({
    eventId: z.string().meta({ description: 'The event\'s id, as sent in `Caravan-Event-Id` and `id`.', example: 'dataset.reviewed:ds_4k9x2m7qa1' }),
    type: z.string().meta({ description: 'The event type (`ping` for a test).', example: 'dataset.reviewed' }),
    status: z.enum(['pending', 'delivered', 'failed']).meta({ description: '`delivered`: a 2xx came back (never sent again); `failed`: given up after the last attempt.' }),
    attempts: z.number().int().meta({ description: 'Attempts made so far.' }),
    lastStatus: z.number().int().nullable().meta({ description: 'The HTTP status the last attempt got (null: no answer).' }),
    lastError: z.string().nullable().meta({ description: 'Why the last attempt failed.' }),
    nextAttemptAt: timestamp.nullable().meta({ description: 'When the next attempt is due (pending deliveries).' }),
    deliveredAt: timestamp.nullable(),
    createdAt: timestamp,
  })
  .meta({ id: 'WebhookDelivery' });

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** `/v1/webhooks`: register, list and delete webhooks, see their deliveries, send a test event (personal keys). */
export function webhookRoutes(deps: V1Deps): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/webhooks',
      operationId: 'listWebhooks',
      summary: 'Your webhooks (never their secrets)',
      tag: 'webhooks',
      auth: 'personal',
      query: pageQuery,
      responses: { 200: { description: 'A page of webhooks, newest first.', schema: pageOf(webhookSchema, 'WebhookPage') } },
      handle: async ({ principal, query }) => {
        const page = await listWebhooks(deps.money, { userId: principal.userId, before: decodeCursor(query.cursor), limit: query.limit });
        return { items: page.webhooks.map((w) => ({ ...w, createdAt: w.createdAt.toISOString() })), nextCursor: encodeCursor(page.last) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/webhooks',
      operationId: 'createWebhook',
      summary: 'Register a URL for events',
      description:
        'Each event is POSTed as JSON `{id, type, createdAt, data}` with the headers `Caravan-Event-Id`, `Caravan-Event-Type` and ' +
        '`Caravan-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with the secret>`. Answer 2xx within 10 s; ' +
        'anything else is retried with exponential backoff. An event is delivered once per id: deduplicate on `Caravan-Event-Id`.',
      tag: 'webhooks',
      auth: 'personal',
      body: createWebhookBody,
      responses: { 201: { description: 'The webhook; `secret` is shown this once.', schema: createdWebhookSchema } },
      handle: async ({ principal, body }) => {
        const w = await registerWebhook(
          { db: deps.money.db, masterKey: deps.money.masterKey, allowPrivateHosts: deps.webhooks?.allowPrivateHosts ?? false },
          { userId: principal.userId, url: body.url, events: body.events },
        );
        return { ...w, createdAt: w.createdAt.toISOString() };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/webhooks/{id}',
      operationId: 'deleteWebhook',
      summary: 'Delete a webhook (nothing more is sent to it)',
      tag: 'webhooks',
      auth: 'personal',
      params: idParam('The webhook id.', 'wh_4k9x2m7qa1'),
      errors: [404],
      responses: { 200: { description: 'Deleted.', schema: z.object({ id: z.string(), deleted: z.literal(true) }).meta({ id: 'DeletedWebhook' }) } },
      handle: async ({ principal, params }) => {
        const w = await deleteWebhook(deps.money, { userId: principal.userId, webhookId: params.id });
        return { id: w.id, deleted: true as const };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/webhooks/{id}/deliveries',
      operationId: 'listWebhookDeliveries',
      summary: "A webhook's deliveries: status, attempts, last answer",
      tag: 'webhooks',
      auth: 'personal',
      params: idParam('The webhook id.', 'wh_4k9x2m7qa1'),
      query: pageQuery,
      errors: [404],
      responses: { 200: { description: 'A page of deliveries, newest first.', schema: pageOf(deliverySchema, 'WebhookDeliveryPage') } },
      handle: async ({ principal, params, query }) => {
        const page = await listWebhookDeliveries(deps.money, {
          userId: principal.userId,
          webhookId: params.id,
          before: decodeCursor(query.cursor),
          limit: query.limit,
        });
        return {
          items: page.deliveries.map((d) => ({
            ...d,
            nextAttemptAt: iso(d.nextAttemptAt),
            deliveredAt: iso(d.deliveredAt),
            createdAt: d.createdAt.toISOString(),
          })),
          nextCursor: encodeCursor(page.last),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/webhooks/{id}/test',
      operationId: 'testWebhook',
      summary: 'Send a `ping` event to a webhook',
      tag: 'webhooks',
      auth: 'personal',
      params: idParam('The webhook id.', 'wh_4k9x2m7qa1'),
      errors: [404],
      responses: {
        202: {
          description: 'Queued; follow it in the deliveries.',
          schema: z.object({ eventId: z.string().meta({ example: 'ping:0b6f…' }) }).meta({ id: 'WebhookPing' }),
        },
      },
      handle: async ({ principal, params }) => pingWebhook({ db: deps.money.db, jobs: deps.jobs }, { userId: principal.userId, webhookId: params.id }),
    }),
  ];
}
