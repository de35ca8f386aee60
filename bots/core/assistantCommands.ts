import { and, desc, eq, or } from 'drizzle-orm';
import { formatEther } from 'viem';
import type { Db } from '../../platform/db/client.ts';
import { assistants } from '../../platform/db/schema.ts';
import { canChat, type Assistant } from '../../platform/assistants/createAssistant.ts';
import { getSession, setSession, type SessionKey } from '../../platform/sessions/chatSession.ts';
import type { User } from '../../platform/identity/ensureUser.ts';
import type { Queues } from '../../jobs/queues.ts';
import { describeError } from '../../platform/errors.ts';
import { advanceWizard, promptFor, startWizard, type WizardState } from './assistantWizard.ts';
import type { Conversation } from './types.ts';

import type { AssistantChat } from '../../platform/assistants/assistantChat.ts';

export type { AssistantChat };

export type AssistantDeps = { db: Db; queues: Pick<Queues, 'finetune'>; chat?: AssistantChat | undefined };

/** Conversation state per person per chat. */
export type SessionState = {
  wizard?: WizardState;
  /** The assistant plain messages go to, and the last turns with it. */
  active?: { assistantId: number; history: Array<{ role: 'user' | 'assistant'; content: string }> };
};

export const sessionKeyOf = (conv: Conversation): SessionKey => ({
  transport: conv.chat.transport,
  chatId: conv.chat.chatId,
  userId: conv.identity.externalId,
});

export const trainingQueued = (a: Assistant) =>
  `🧠 Training ${a.name} (assistant #${a.id})\n⏳ Queued — progress shows here.`;

/** `/newassistant`: starts the wizard. */
export async function startAssistantWizard(deps: AssistantDeps, conv: Conversation, user: User, session: SessionState) {
  const wizard = startWizard();
  await setSession(deps, sessionKeyOf(conv), { ...session, wizard });
  await conv.reply(await promptFor(deps, user, wizard.step, wizard));
}

/** One answer inside the wizard; on `/create` the assistant is created and its fine-tune queued. */
export async function continueAssistantWizard(deps: AssistantDeps, conv: Conversation, user: User, session: SessionState, text: string) {
  const result = await advanceWizard(deps, user, session.wizard!, text);
  if (result.kind !== 'created') {
    await setSession(deps, sessionKeyOf(conv), { ...session, wizard: result.state });
    await conv.reply(result.text);
    return;
  }
  const { assistant } = result;
  await setSession(deps, sessionKeyOf(conv), { active: { assistantId: assistant.id, history: [] } });
  const messageId = await conv.reply(trainingQueued(assistant));
  await deps.queues.finetune.add(
    'finetune',
    { assistantId: assistant.id, replyTarget: { ...conv.chat, messageId } },
    { jobId: `finetune-${assistant.id}`, attempts: 3 },
  );
}

/** `/assistants`: the user's own assistants and public ones. */
export async function listAssistants(deps: AssistantDeps, conv: Conversation, user: User) {
  const rows = await deps.db
    .select()
    .from(assistants)
    .where(or(eq(assistants.ownerId, user.id), eq(assistants.visibility, 'public')))
    .orderBy(desc(assistants.id))
    .limit(20);
  if (!rows.length) return conv.reply('No assistants yet. Create one with /newassistant.');
  const icon = { training: '⏳', ready: '✅', failed: '❌' } as const;
  const lines = rows.map(
    (a) =>
      `${icon[a.status]} #${a.id} ${a.name}${a.tagline ? ` — ${a.tagline}` : ''} (${a.visibility}${a.ownerId === user.id ? ', yours' : ''}, ${a.priceWei === 0n ? 'free' : `${formatEther(a.priceWei)} ETH/30d`})`,
  );
  return conv.reply(`🤖 Assistants:\n${lines.join('\n')}\n\n/use <id> to chat with one.`);
}

async function loadUsable(deps: AssistantDeps, user: User, idText: string): Promise<Assistant | string> {
  const id = Number(idText.replace(/^#/, ''));
  if (!Number.isInteger(id) || id <= 0) return 'Give an assistant id, e.g. /use 3.';
  const [a] = await deps.db.select().from(assistants).where(and(eq(assistants.id, id)));
  if (!a || !canChat(a, user.id)) return `There is no assistant #${id} you can use.`;
  if (a.status === 'training') return `${a.name} is still training; try again when its training message says it is ready.`;
  if (a.status === 'failed') return `${a.name}'s training failed: ${a.lastError ?? 'unknown error'}.`;
  return a;
}

/** `/use <id>`: makes an assistant the one plain messages go to, and shows its greeting. */
export async function useAssistant(deps: AssistantDeps, conv: Conversation, user: User, args: string) {
  const a = await loadUsable(deps, user, args);
  if (typeof a === 'string') return conv.reply(a);
  await setSession(deps, sessionKeyOf(conv), { active: { assistantId: a.id, history: [] } });
  const starters = a.starters.length ? `\n\nTry:\n${a.starters.map((s) => `• ${s}`).join('\n')}` : '';
  return conv.reply(`🤖 ${a.name}: ${a.greeting ?? `Hi! Ask me anything about my knowledge.`}${starters}\n\n(/use another id to switch; /stop to stop.)`);
}

/** Sends `question` to the assistant and replies with its grounded, cited answer. */
export async function askAssistant(deps: AssistantDeps, conv: Conversation, user: User, session: SessionState, assistantIdText: string, question: string) {
  if (!deps.chat) return conv.reply('Assistants are not served by this process.');
  const a = await loadUsable(deps, user, assistantIdText);
  if (typeof a === 'string') return conv.reply(a);
  const history = session.active?.assistantId === a.id ? session.active.history : [];
  const messages = [
    { role: 'system' as const, content: a.instructions },
    ...history.slice(-6),
    { role: 'user' as const, content: question },
  ];
  let answer: string;
  try {
    answer = (await deps.chat(String(a.id), messages)).text;
  } catch (err) {
    return conv.reply(`⚠️ ${a.name} could not answer: ${describeError(err)}`);
  }
  await setSession(deps, sessionKeyOf(conv), {
    ...session,
    active: { assistantId: a.id, history: [...history, { role: 'user' as const, content: question }, { role: 'assistant' as const, content: answer }].slice(-12) },
  });
  return conv.reply(`🤖 ${a.name}:\n${answer}`);
}

export { getSession, setSession };
