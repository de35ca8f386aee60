import express, { type Router } from 'express';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../platform/db/client.ts';
import { assistants } from '../../platform/db/schema.ts';
import type { AssistantChat } from '../../platform/assistants/assistantChat.ts';
import { BaseError, InputError, NotFoundError } from '../../platform/errors.ts';

const idParam = z.coerce.number().int().positive();
const chatBody = z.object({
  messages: z
    .array(z.object({ role: z.enum(['user', 'assistant']), content: z.string().trim().min(1).max(4000) }))
    .min(1, 'messages must hold at least one message')
    .max(20, 'at most 20 messages')
    .refine((m) => m.at(-1)?.role === 'user', 'the last message must be from the user'),
});

/** A problem with the assistant's state rather than the request (still training, failed). */
export class AssistantUnavailableError extends BaseError {
  override name = 'AssistantUnavailableError' as const;
}

/**
 * `/v1/assistants`: an assistant's public card and chat over HTTP, for developers. Public and
 * unlisted assistants answer anyone (as in the chat); private ones need an API key bound to a
 * license, which arrives with licensing — until then they are not served over HTTP.
 */
export function createAssistantsRouter(deps: { db: Db; chat?: AssistantChat | undefined }): Router {
  const router = express.Router();

  const load = async (idText: string) => {
    const id = idParam.safeParse(idText);
    if (!id.success) throw new InputError('Assistant id must be a positive integer.');
    const [a] = await deps.db.select().from(assistants).where(eq(assistants.id, id.data));
    if (!a || a.visibility === 'private') throw new NotFoundError(`Assistant #${id.data} does not exist or is private.`);
    return a;
  };

  router.get('/assistants/:id', async (req, res) => {
    const a = await load(req.params.id);
    res.json({
      id: a.id,
      name: a.name,
      tagline: a.tagline,
      greeting: a.greeting,
      starters: a.starters,
      visibility: a.visibility,
      status: a.status,
      licensePriceWei: a.priceWei.toString(),
    });
  });

  router.post('/assistants/:id/chat', express.json({ limit: '64kb' }), async (req, res) => {
    const a = await load(req.params.id);
    const body = chatBody.safeParse(req.body);
    if (!body.success) throw new InputError(body.error.issues.map((i) => i.message).join('; '));
    if (a.status !== 'ready') throw new AssistantUnavailableError(`${a.name} is ${a.status === 'training' ? 'still training' : 'not available: its training failed'}.`);
    if (!deps.chat) throw new AssistantUnavailableError('This API process does not serve assistants (ENGINE=0).', { retryable: true });
    const reply = await deps.chat(String(a.id), [{ role: 'system', content: a.instructions }, ...body.data.messages]);
    res.json({ assistant: { id: a.id, name: a.name }, text: reply.text, citations: reply.citations ?? [], usage: reply.usage });
  });

  return router;
}
