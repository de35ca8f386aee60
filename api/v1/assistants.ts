import { z } from 'zod';
import { askAssistant } from '../../platform/assistants/askAssistant.ts';
import { browseAssistants } from '../../platform/assistants/browseAssistants.ts';
import { assistantDraftSchema, type Assistant } from '../../platform/assistants/createAssistant.ts';
import { findApiAssistant } from '../../platform/assistants/findApiAssistant.ts';
import { getFinetune } from '../../platform/assistants/getFinetune.ts';
import { priceLicenses } from '../../platform/assistants/priceLicenses.ts';
import { NoLossYetError, renderFinetuneLossPlot } from '../../platform/assistants/renderFinetuneLossPlot.ts';
import { startAssistant } from '../../platform/assistants/startAssistant.ts';
import { meterLicenseCall } from '../../platform/apikeys/meterLicenseCall.ts';
import { ApiKeyError, KeyScopeError } from '../../platform/apikeys/errors.ts';
import { ServiceError } from '../../platform/errors.ts';
import { listTerms, type LicenseTermsRow } from '../../platform/money/listTerms.ts';
import type { V1Deps } from './createV1Router.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { defineRoute, pageOf, pageQuery, type Route } from './route.ts';
import { address, idParam, timestamp, units } from './schemas.ts';

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
    stream: z
      .boolean()
      .optional()
      .meta({ description: 'true: answer as server-sent events (`text/event-stream`) instead of one JSON body; see the operation\'s description.' }),
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
    grounded: z.boolean().meta({
      description:
        'True when the answer rests on a passage of the assistant\'s data, quoted and listed in `citations`; false when neither retrieval nor the ' +
        'fine-tuned model was confident, and the assistant says it does not know (in its persona\'s words) and cites nothing.',
    }),
    citations: z.array(citationSchema).meta({ description: 'The passages the answer quotes: empty when `grounded` is false.' }),
    usage: z
      .object({ calls: z.number().int(), quota: z.number().int(), periodEnd: z.string() })
      .nullable()
      .meta({ description: 'License keys: calls used of the quota in this period.' }),
  })
  .meta({ id: 'ChatResponse' });

const draft = assistantDraftSchema.shape;

const licensePriceSchema = z
  .strictObject({
    kind: z.enum(['period', 'perpetual', 'api']).meta({
      description: '`period`: chat for the configured period; `perpetual`: for good; `api`: API calls, the configured quota per period (as in the chat wizard).',
    }),
    price: units,
    currency: address.optional().meta({ description: 'A currency licenses are sold in (`GET /chain`); default: the first one.' }),
  })
  .meta({ id: 'LicensePrice' });

const createAssistantBody = z
  .strictObject({
    name: draft.name.meta({ example: 'Bike Shop' }),
    tagline: draft.tagline.meta({ example: 'Answers from our FAQ' }),
    instructions: draft.instructions.meta({ description: 'The persona: who it is and how it answers.', example: 'A friendly bike shop assistant that answers from the FAQ.' }),
    greeting: draft.greeting,
    starters: draft.starters.default([]).meta({ description: 'Up to 4 suggested first questions.' }),
    datasets: z
      .array(z.string().max(64))
      .min(1, 'Pick at least one dataset.')
      .max(8, 'At most 8 datasets (the on-chain lineage limit).')
      .meta({ description: 'Its knowledge: ids of approved datasets, yours or open ones.', example: ['ds_4k9x2m7qa1'] }),
    visibility: draft.visibility.meta({ description: '`public`: listed; `unlisted`: reachable by id; `private`: only you (and license keys).' }),
    licenses: z
      .array(licensePriceSchema)
      .max(3)
      .refine((l) => new Set(l.map((x) => x.kind)).size === l.length, 'At most one license of each kind.')
      .default([])
      .meta({ description: 'Licenses on offer; none: free to chat with.' }),
  })
  .meta({ id: 'CreateAssistant' });

const listQuery = pageQuery.extend({
  mine: z.enum(['true', 'false']).optional().meta({ description: '`true`: your own assistants, any visibility or state (needs a personal key).' }),
});

const finetuneSchema = z
  .object({
    assistant: z.object({ id: z.string().meta({ example: 'as_4k9x2m7qa1' }), name: z.string() }),
    status: z.enum(['queued', 'training', 'ready', 'failed']).meta({ description: '`queued` until a worker takes it, `training`, then `ready` or `failed` (see `error`).' }),
    error: z.string().nullable().meta({ description: 'Why it failed.' }),
    progress: z
      .object({
        step: z.number().int().meta({ description: 'Steps done.' }),
        totalSteps: z.number().int().meta({ description: 'Steps planned.' }),
        percent: z.number().int().min(0).max(100),
      })
      .nullable()
      .meta({ description: 'From the training itself, recorded at most once a second; null before the first step.' }),
    losses: z.array(z.number().nullable()).meta({ description: 'Training loss after each step so far (null: not a finite number).' }),
    heldOutLoss: z
      .object({
        before: z.number().meta({ description: 'With the base model\'s weights, in nats per byte.' }),
        after: z.number().meta({ description: 'After fine-tuning, in nats per byte.' }),
        rows: z.number().int().meta({ description: 'Rows kept out of training to measure it (every 20th, at most 64).' }),
      })
      .nullable()
      .meta({ description: 'Loss on rows held out of training, before and after the fine-tune; null until ready and for data of fewer than 10 rows (all trained on).' }),
    lossPlot: z.string().nullable().meta({ description: 'Where the loss plot (PNG) is, once there is a loss.', example: '/v1/assistants/as_4k9x2m7qa1/finetune/loss.png' }),
    startedAt: timestamp.nullable().meta({ description: 'When a worker began training.' }),
    updatedAt: timestamp.nullable().meta({ description: 'When progress was last recorded.' }),
  })
  .meta({ id: 'Finetune' });

/** An assistant's card, with the licenses it offers. */
function cardOf(a: Assistant, terms: readonly LicenseTermsRow[]) {
  return {
    id: a.publicId,
    name: a.name,
    tagline: a.tagline,
    greeting: a.greeting,
    starters: a.starters,
    visibility: a.visibility,
    status: a.status,
    licenses: terms.map((t) => ({
      kind: t.kind,
      price: t.price.toString(),
      currency: t.currency,
      durationSeconds: t.durationSeconds,
      quota: t.quota,
      onChain: t.chainTermsId !== null,
    })),
  };
}

/** An answer cut into word-sized pieces, whitespace kept: joined, they are the answer exactly. */
function pieces(text: string): string[] {
  const out: string[] = [];
  for (const word of text.match(/\S+\s*|\s+/g) ?? []) {
    if (out.length && out.at(-1)!.length < 12) out[out.length - 1] += word;
    else out.push(word);
  }
  return out;
}

/** `/v1/assistants`: build, fine-tune, list, read and chat. */
export function assistantRoutes(deps: V1Deps): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: '/assistants',
      operationId: 'createAssistant',
      summary: 'Create an assistant and queue its fine-tune',
      description:
        'The chat wizard\'s fields as JSON. Licenses take a price in the currency\'s smallest unit; their period and API quota are the platform\'s ' +
        '(as in the wizard). Counts against your daily fine-tune limit (429 when spent). Follow the training with `GET /assistants/{id}/finetune`; ' +
        'once trained it is registered on-chain with its lineage.',
      tag: 'assistants',
      auth: 'personal',
      body: createAssistantBody,
      responses: { 201: { description: 'Created; its fine-tune is queued.', schema: assistantCardSchema } },
      handle: async ({ principal, body }) => {
        const jobs = deps.jobs;
        if (!jobs) throw new ServiceError('Assistants are not built by this process.', { retryable: true });
        const licenses = priceLicenses(
          deps.money,
          body.licenses.map((l) => ({ kind: l.kind, price: BigInt(l.price), currency: l.currency })),
        );
        const a = await startAssistant(
          { db: deps.money.db, jobs, fairUse: deps.fairUse },
          { userId: principal.userId, draft: { ...body, licenses } },
        );
        return cardOf(a, await listTerms(deps.money, a.id));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/assistants',
      operationId: 'listAssistants',
      summary: 'Public assistants ready to chat, or yours (`mine=true`)',
      tag: 'assistants',
      auth: 'public',
      query: listQuery,
      errors: [401, 403],
      responses: { 200: { description: 'A page of assistants, newest first.', schema: pageOf(assistantCardSchema, 'AssistantPage') } },
      handle: async ({ principal, query }) => {
        let scope: Parameters<typeof browseAssistants>[1]['scope'] = { kind: 'public' };
        if (query.mine === 'true') {
          if (!principal) throw new ApiKeyError('mine=true lists your own assistants: send your personal key ("Authorization: Bearer cvn_…").', 'missing_key');
          if (principal.kind !== 'personal') throw new KeyScopeError('A license key can only chat with its licensed assistant; mine=true needs a personal key.');
          scope = { kind: 'mine', userId: principal.userId };
        }
        const page = await browseAssistants(deps.money, { scope, before: decodeCursor(query.cursor), limit: query.limit });
        return { items: page.assistants.map((a) => cardOf(a, a.terms)), nextCursor: encodeCursor(page.last) };
      },
    }),
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
        return cardOf(a, await listTerms(deps.money, a.id));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/assistants/{id}/finetune',
      operationId: 'getFinetune',
      summary: "Your assistant's fine-tune: status, live progress and loss history",
      description: 'Progress comes from the training itself, recorded at most once a second while it runs. Only the owner sees it; for anyone else the id is unknown (404).',
      tag: 'assistants',
      auth: 'personal',
      params: idParam('The assistant id.', 'as_4k9x2m7qa1'),
      errors: [404],
      responses: { 200: { description: 'The fine-tune.', schema: finetuneSchema } },
      handle: async ({ principal, params }) => {
        const f = await getFinetune(deps.money, { userId: principal.userId, idText: params.id });
        return {
          assistant: { id: f.assistant.publicId, name: f.assistant.name },
          status: f.status,
          error: f.error,
          progress: f.progress,
          losses: f.losses.map((x) => (Number.isFinite(x) ? x : null)),
          heldOutLoss: f.heldOutLoss,
          lossPlot: f.losses.length ? `/v1/assistants/${f.assistant.publicId}/finetune/loss.png` : null,
          startedAt: f.startedAt?.toISOString() ?? null,
          updatedAt: f.updatedAt?.toISOString() ?? null,
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/assistants/{id}/finetune/loss.png',
      operationId: 'getFinetuneLossPlot',
      summary: "Your assistant's loss curve as a PNG",
      description: 'The picture the chat sends when a fine-tune finishes, drawn from the losses recorded so far (so also while it trains). 409 while there is no loss yet.',
      tag: 'assistants',
      auth: 'personal',
      params: idParam('The assistant id.', 'as_4k9x2m7qa1'),
      errors: [404, 409],
      responses: { 200: { description: 'The loss curve.', contentType: 'image/png' } },
      handle: async ({ principal, params, res }) => {
        try {
          const png = await renderFinetuneLossPlot(deps.money, { userId: principal.userId, idText: params.id });
          res.status(200).type('png').set('cache-control', 'no-store').send(Buffer.from(png));
        } catch (err) {
          if (!(err instanceof NoLossYetError)) throw err;
          res.status(409).json({ error: 'no_loss_yet', message: err.shortMessage });
        }
        return undefined;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/assistants/{id}/chat',
      operationId: 'chatWithAssistant',
      summary: 'Ask an assistant; the answer cites the passages it is grounded in',
      description:
        'Free assistants answer anyone. Priced ones answer their creator, holders of a valid license and new users\' free questions; ' +
        'a license key counts one call of its quota per answer (a call that could not be served is given back).\n\n' +
        'With `"stream": true` the answer comes as server-sent events (`text/event-stream`): `delta` events (`{"text": "…"}`, pieces of the ' +
        'answer in order; joined they are `text`), then one `citations` event (the citations array), then `done` (the whole JSON response, ' +
        'as without streaming). The engine composes the whole answer before anything is sent, so the stream starts when the answer is ready ' +
        'and its pieces arrive together: it spares clients a second code path, not waiting time. Errors (402, 404, 409, 429, 503) come before ' +
        'the stream starts, as JSON with their status.',
      tag: 'assistants',
      auth: 'public',
      params: idParam('The assistant id.', 'as_4k9x2m7qa1'),
      body: chatBody,
      errors: [401, 402, 403, 404, 409],
      responses: {
        200: {
          description: 'The answer: JSON, or server-sent events with `"stream": true`.',
          schema: chatResponseSchema,
          contentType: 'text/event-stream',
        },
      },
      handle: async ({ params, principal, body, res }) => {
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
          const answer = {
            assistant: { id: a.publicId, name: a.name },
            text: reply.text,
            grounded: reply.grounded,
            citations: reply.citations.map(({ index, datasetName, location, snippet }) => ({ index, datasetName, location, snippet })),
            usage: metered ? { calls: metered.calls, quota: metered.quota, periodEnd: metered.periodEnd.toISOString() } : null,
          };
          if (!body.stream) return answer;
          const event = (name: string, data: unknown) => res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
          res.status(200).set({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
          for (const text of pieces(answer.text)) event('delta', { text });
          event('citations', answer.citations);
          event('done', answer);
          res.end();
          return undefined;
        } catch (err) {
          // Not served (busy engine, a refused question): the call is not charged.
          await metered?.refund();
          throw err;
        }
      },
    }),
  ];
}
