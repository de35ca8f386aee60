import type { MoneyDeps } from '../../platform/money/types.ts';
import { listTerms } from '../../platform/money/listTerms.ts';
import express, { type Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../platform/db/client.ts';
import type { AssistantChat } from '../../platform/assistants/assistantChat.ts';
import { findChatAssistant } from '../../platform/assistants/findChatAssistant.ts';
import { askAssistant } from '../../platform/assistants/askAssistant.ts';
import type { FairUse } from '../../platform/limits/fairUse.ts';
import { InputError } from '../../platform/errors.ts';

const chatBody = z.object({
  messages: z
    .array(z.object({ role: z.enum(['user', 'assistant']), content: z.string().trim().min(1).max(4000) }))
    .min(1, 'messages must hold at least one message')
    .max(20, 'at most 20 messages')
    .refine((m) => m.at(-1)?.role === 'user', 'the last message must be from the user'),
});

/**
 * `/v1/assistants`: an assistant's public card and chat over HTTP, for developers. Public and
 * unlisted assistants answer anyone (as in the chat); private ones are unknown (404) until API
 * keys bound to licenses arrive.
 */
export function createAssistantsRouter(deps: { db: Db; chat?: AssistantChat | undefined; fairUse: FairUse; maxQuoteChars: number; money: MoneyDeps }): Router {
  const router = express.Router();

  router.get('/assistants/:id', async (req, res) => {
    const a = await findChatAssistant(deps, { userId: null, idText: req.params.id, ready: false });
    res.json({
      id: a.publicId,
      name: a.name,
      tagline: a.tagline,
      greeting: a.greeting,
      starters: a.starters,
      visibility: a.visibility,
      status: a.status,
      licenses: (await listTerms(deps, a.id)).map((t) => ({
        kind: t.kind,
        price: t.price.toString(),
        currency: t.currency,
        durationSeconds: t.durationSeconds,
        quota: t.quota,
        onChain: t.chainTermsId !== null,
      })),
    });
  });

  router.post('/assistants/:id/chat', express.json({ limit: '64kb' }), async (req, res) => {
    const a = await findChatAssistant(deps, { userId: null, idText: req.params.id });
    const body = chatBody.safeParse(req.body);
    if (!body.success) throw new InputError(body.error.issues.map((i) => i.message).join('; '));
    const turns = body.data.messages;
    const reply = await askAssistant(deps, { userId: null, assistant: a, question: turns.at(-1)!.content, history: turns.slice(0, -1) });
    res.json({ assistant: { id: a.publicId, name: a.name }, text: reply.text, citations: reply.citations });
  });

  return router;
}
