import { eq } from 'drizzle-orm';
import type { ApiPrincipal } from '../apikeys/authenticateApiKey.ts';
import { KeyScopeError } from '../apikeys/errors.ts';
import type { Db } from '../db/client.ts';
import { assistants } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { parsePublicId } from '../ids.ts';
import type { Assistant } from './createAssistant.ts';
import { findChatAssistant } from './findChatAssistant.ts';

/**
 * The assistant `idText` names, as an API caller may reach it: anonymous callers and personal
 * keys as in the chat (private assistants of others are unknown); a license key reaches its
 * licensed assistant, private or not, and nothing else: another assistant it could see is 403
 * (outside the key's scope), one it could not is 404 (its existence is not revealed).
 */
export async function findApiAssistant(
  deps: { db: Db },
  params: { principal: ApiPrincipal | null; idText: string; ready?: boolean },
): Promise<Assistant> {
  const p = params.principal;
  if (!p?.license) return findChatAssistant(deps, { userId: p?.userId ?? null, idText: params.idText, ready: params.ready ?? true });
  const publicId = parsePublicId('as', params.idText);
  if (publicId) {
    const [a] = await deps.db.select().from(assistants).where(eq(assistants.publicId, publicId));
    if (a && a.id === p.license.assistantId) {
      // The same readiness rules as the chat, now that the caller may see it.
      return findChatAssistant(deps, { userId: a.ownerId, idText: publicId, ready: params.ready ?? true });
    }
  }
  const visible = await findChatAssistant(deps, { userId: p.userId, idText: params.idText, ready: false }).catch((err: unknown) => {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  });
  if (visible) throw new KeyScopeError(`This license key is for another assistant; use a personal key or a license key for ${visible.name}.`);
  throw new NotFoundError(`There is no assistant ${params.idText.trim().slice(0, 40) || '(none given)'} you can use.`);
}
