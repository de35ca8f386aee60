import { z } from 'zod';
import { askAssistant } from '../../platform/assistants/askAssistant.ts';
import { findApiAssistant } from '../../platform/assistants/findApiAssistant.ts';
import { meterLicenseCall } from '../../platform/apikeys/meterLicenseCall.ts';
import { listTerms } from '../../platform/money/listTerms.ts';
import type { V1Deps } from './createV1Router.ts';
import { defineRoute, type Route } from './route.ts';
import { address, idParam, units } from './schemas.ts';

const termsSchema = z
  .object({
    kind: z.enum(['period', 'perpetual', 'api']),
    price: units,
    currency: address,
    durationSeconds: z.number().int().meta({ description: '0 for perpetual licenses.' }),
    quota: z.number().int().meta({ description: 'API calls per period (API licenses); 0 otherwise.' }),
    onChain: z.boolean().meta({ description: 'Whether the terms are on-chain yet (they go with the assistant\'s asset).' }),
  })
  .meta({ id: 'LicenseTerms' });

const assistantCardSchema = z
  .object({
    id: z.string().meta({ example: 'as_4k9x2m7qa1' }),
    name: z.string(),
    tagline: z.string().nullable(),
    greeting: z.string().nullable(),
    starters: z.array(z.string()),
    visibility: z.enum(['private', 'unlisted', 'public']),
    status: z.string().meta({ description: '`training`, `ready` or `failed`.' }),
    licenses: z.array(termsSchema).meta({ description: 'Licenses on offer; none: free to chat with.' }),
  })
  .meta({ id: 'Assistant' });

const chatBody = z
  .strictObject({
    messages: z
      .array(z.strictObject({ role: z.enum(['user', 'assistant']), content: z.string().trim().min(1).max(4000) }))
      .min(1, 'messages must hold at least one message')
      .max(20, 'at most 20 messages')
      .refine((m) => m.at(-1)?.role === 'user', 'the last message must be from the user'),
  })
  .meta({ id: 'ChatRequest' });

const citationSchema = z
  .object({
    index: z.number().int().meta({ description: 'The number the answer refers to it by ([1], [2], …).' }),
    datasetName: z.string().meta({ description: 'The dataset the passage is from.' }),
    location: z.string().meta({ description: 'Where in the dataset: a row or a line.', example: 'row 12' }),
    snippet: z.string().meta({ description: 'The passage quoted.' }),
  })
  .meta({ id: 'Citation' });

const chatResponseSchema = z
  .object({
    assistant: z.object({ id: z.string(), name: z.string() }),
    text: z.string(),
    citations: z.array(citationSchema),
    usage: z
      .object({ calls: z.number().int(), quota: z.number().int(), periodEnd: z.string() })
      .nullable()
      .meta({ description: 'License keys: calls used of the quota in this period.' }),
  })
  .meta({ id: 'ChatResponse' });

/** `/v1/assistants`: cards and chat. */
export function assistantRoutes(deps: V1Deps): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/assistants/{id}',
      operationId: 'getAssistant',
      summary: "An assistant's card and the licenses it offers",
      tag: 'assistants',
      auth: 'public',
      params: idParam('The assistant id.', 'as_4k9x2m7qa1'),
      errors: [401, 403, 404],
      responses: { 200: { description: 'The card.', schema: assistantCardSchema } },
      handle: async ({ params, principal }) => {
        const a = await findApiAssistant(deps.money, { principal, idText: params.id, ready: false });
        return {
          id: a.publicId,
          name: a.name,
          tagline: a.tagline,
          greeting: a.greeting,
          starters: a.starters,
          visibility: a.visibility,
          status: a.status,
          licenses: (await listTerms(deps.money, a.id)).map((t) => ({
            kind: t.kind,
            price: t.price.toString(),
            currency: t.currency,
            durationSeconds: t.durationSeconds,
            quota: t.quota,
            onChain: t.chainTermsId !== null,
          })),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/assistants/{id}/chat',
      operationId: 'chatWithAssistant',
      summary: 'Ask an assistant; the answer cites the passages it is grounded in',
      description:
        'Free assistants answer anyone. Priced ones answer their creator, holders of a valid license and new users\' free questions; ' +
        'a license key counts one call of its quota per answer (a call that could not be served is given back).',
      tag: 'assistants',
      auth: 'public',
      params: idParam('The assistant id.', 'as_4k9x2m7qa1'),
      body: chatBody,
      errors: [401, 402, 403, 404, 409],
      responses: { 200: { description: 'The answer.', schema: chatResponseSchema } },
      handle: async ({ params, principal, body }) => {
        const a = await findApiAssistant(deps.money, { principal, idText: params.id });
        const metered = principal ? await meterLicenseCall(deps.money, principal) : null;
        const turns = body.messages;
        try {
          const reply = await askAssistant(deps, {
            userId: principal?.userId ?? null,
            assistant: a,
            question: turns.at(-1)!.content,
            history: turns.slice(0, -1),
            chatLimit: metered === null,
          });
          return {
            assistant: { id: a.publicId, name: a.name },
            text: reply.text,
            citations: reply.citations,
            usage: metered ? { calls: metered.calls, quota: metered.quota, periodEnd: metered.periodEnd.toISOString() } : null,
          };
        } catch (err) {
          // Not served (busy engine, a refused question): the call is not charged.
          await metered?.refund();
          throw err;
        }
      },
    }),
  ];
}
