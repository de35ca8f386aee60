import { ServiceError } from '../errors.ts';
import { checkChatAccess, type ChatAccess } from '../money/checkChatAccess.ts';
import type { MoneyDeps } from '../money/types.ts';
import type { FairUse } from '../limits/fairUse.ts';
import type { AnswerCitation, AssistantChat } from './assistantChat.ts';
import type { Assistant } from './createAssistant.ts';

export type ChatTurn = { role: 'user' | 'assistant'; content: string };

export type AskAssistantDeps = {
  /** Licenses: who may ask a priced assistant (see checkChatAccess). */
  money: Pick<MoneyDeps, 'db' | 'chain' | 'settings'>;
  /** The engine (absent in processes that do not serve assistants). */
  chat?: AssistantChat | undefined;
  fairUse: FairUse;
  /** Longest passage an answer may quote from the data (CITATION_MAX_CHARS). */
  maxQuoteChars: number;
};

/** Turns of earlier conversation an answer sees. */
export const HISTORY_TURNS = 6;

/**
 * Asks an assistant `userId` may use (see `findChatAssistant`) one question, with the last few
 * turns of the conversation and the assistant's persona (its words when the data has no answer),
 * and returns the answer: grounded in a cited passage, or the persona's "I don't know". Counts against the person's chat limit. A priced assistant answers its creator, holders
 * of a valid license and new users' free questions; others get `LicenseRequiredError`.
 */
export async function askAssistant(
  deps: AskAssistantDeps,
  params: {
    userId: number | null;
    assistant: Assistant;
    question: string;
    history?: ChatTurn[] | undefined;
    /** False for calls metered elsewhere (an API license's quota and its key's rate limit), not by the chat limit. */
    chatLimit?: boolean | undefined;
  },
): Promise<{ text: string; grounded: boolean; citations: AnswerCitation[]; access: ChatAccess }> {
  if (params.userId !== null && params.chatLimit !== false) await deps.fairUse.enforce(params.userId, 'chat');
  if (!deps.chat) throw new ServiceError('Assistants are not served by this process (ENGINE=0).', { retryable: true });
  const access = await checkChatAccess(deps.money, { userId: params.userId, assistant: params.assistant });
  const a = params.assistant;
  const reply = await deps.chat(
    String(a.id),
    [{ role: 'system', content: a.instructions }, ...(params.history ?? []).slice(-HISTORY_TURNS), { role: 'user', content: params.question }],
    { maxQuoteChars: deps.maxQuoteChars },
  );
  return { text: reply.text, grounded: reply.grounded, citations: reply.citations, access };
}
