import { z } from 'zod';
import { findChatAssistant } from '../../../platform/assistants/findChatAssistant.ts';
import { LicenseRequiredError } from '../../../platform/money/errors.ts';
import { priceSummary } from '../../../platform/messages/money.ts';
import { listAssistants } from '../../../platform/assistants/listAssistants.ts';
import { askAssistant, type ChatTurn } from '../../../platform/assistants/askAssistant.ts';
import type { Assistant } from '../../../platform/assistants/createAssistant.ts';
import { fitLabel, type Reply } from '../../../platform/chat/reply.ts';
import type { ChatContext, SessionState } from '../context.ts';
import { arg, defineAction, defineCommand, type Feature } from '../registry.ts';
import { startWizard, wizardActions } from './wizard.ts';

const HISTORY_KEPT = 12;

/** Asks an assistant one question and shows its cited answer; in `/use` mode the turn joins the history. */
async function ask(ctx: ChatContext, a: Assistant, question: string, history?: ChatTurn[]) {
  const user = await ctx.user();
  let answer;
  try {
    answer = await askAssistant(ctx.deps, { userId: user.id, assistant: a, question, history });
  } catch (err) {
    if (!(err instanceof LicenseRequiredError)) throw err;
    const button =
      err.expiredLicenseId !== undefined
        ? { kind: 'button' as const, label: '🔄 Renew', style: 'primary' as const, id: await ctx.control('license.renew', { licenseId: err.expiredLicenseId }) }
        : { kind: 'button' as const, label: '🛒 Buy a license', style: 'primary' as const, id: await ctx.control('license.card', { assistant: a.publicId }) };
    await ctx.reply({ text: `🔒 ${err.shortMessage}`, rows: [{ buttons: [button] }] });
    return undefined;
  }
  const trial =
    answer.access.via === 'trial'
      ? `\n\n(Free question — ${answer.access.remaining} left. /buy ${a.publicId} for a license.)`
      : '';
  await ctx.reply({ text: `🤖 ${a.name}:\n${answer.text}${trial}` });
  return answer;
}

/** The greeting of an assistant switched to, with its starter prompts as buttons. */
async function greeting(ctx: ChatContext, a: Assistant): Promise<Reply> {
  const starters = await Promise.all(
    a.starters.slice(0, 4).map(async (s) => ({ kind: 'button' as const, label: fitLabel(s), id: await ctx.control('assistant.ask', { assistant: a.publicId, question: s }) })),
  );
  return {
    text: `🤖 ${a.name}: ${a.greeting ?? 'Hi! Ask me anything about my knowledge.'}\n\n(Plain messages now go to ${a.name}; /stop ends, /use another to switch.)`,
    ...(starters.length ? { rows: [{ buttons: starters }] } : {}),
  };
}

async function use(ctx: ChatContext, idText: string) {
  const a = await findChatAssistant(ctx.deps, { userId: (await ctx.user()).id, idText });
  await ctx.setSession({ ...(await ctx.session()), active: { assistantId: a.publicId, name: a.name, history: [] } });
  await ctx.reply(await greeting(ctx, a));
}

/** Sends plain text to the assistant of `/use` mode, keeping the last turns. */
export async function continueConversation(ctx: ChatContext, text: string, session: SessionState): Promise<boolean> {
  const active = session.active;
  if (!active) return false;
  const a = await findChatAssistant(ctx.deps, { userId: (await ctx.user()).id, idText: active.assistantId });
  const answer = await ask(ctx, a, text, active.history);
  if (!answer) return true;
  const history: ChatTurn[] = [...active.history, { role: 'user' as const, content: text }, { role: 'assistant' as const, content: answer.text }].slice(-HISTORY_KEPT);
  await ctx.setSession({ ...(await ctx.session()), active: { ...active, history } });
  return true;
}

const icon = { training: '⏳', ready: '✅', failed: '❌' } as const;

/** Assistants: the wizard, listing, `/use` mode and one-off questions. */
export const assistantsFeature: Feature = {
  name: 'assistants',
  title: 'Assistants',
  commands: [
    defineCommand({
      name: 'newassistant',
      description: 'Create an AI assistant from datasets, no code',
      args: {},
      personal: true,
      run: (ctx) => startWizard(ctx),
    }),
    defineCommand({
      name: 'assistants',
      description: 'Your assistants and public ones',
      args: {},
      personal: true,
      async run(ctx) {
        const user = await ctx.user();
        const rows = await listAssistants(ctx.deps, { userId: user.id });
        if (!rows.length) {
          await ctx.reply('No assistants yet. Create one with /newassistant.');
          return;
        }
        const lines = rows.map(
          (a) =>
            `${icon[a.status]} ${a.publicId} ${a.name}${a.tagline ? ` — ${a.tagline}` : ''} (${a.visibility}${a.ownerId === user.id ? ', yours' : ''}, ${priceSummary(ctx.deps.money.currencies, a.terms)})`,
        );
        const ready = rows.filter((a) => a.status === 'ready').slice(0, 5);
        const buttons = await Promise.all(
          ready.map(async (a) => ({ kind: 'button' as const, label: fitLabel(`💬 ${a.name}`), id: await ctx.control('assistant.use', { assistant: a.publicId }) })),
        );
        await ctx.reply({ text: `🤖 Assistants:\n${lines.join('\n')}\n\n/use <id> to chat with one.`, ...(buttons.length ? { rows: [{ buttons }] } : {}) });
      },
    }),
    defineCommand({
      name: 'use',
      description: 'Chat with an assistant: plain messages go to it until /stop',
      args: { assistant: arg.assistant('The assistant') },
      run: (ctx, { assistant }) => use(ctx, assistant),
    }),
    defineCommand({
      name: 'ask',
      description: 'Ask an assistant one question (without switching to it)',
      args: { assistant: arg.assistant('The assistant'), question: arg.text('Your question', { max: 2000 }) },
      async run(ctx, { assistant, question }) {
        const a = await findChatAssistant(ctx.deps, { userId: (await ctx.user()).id, idText: assistant });
        await ask(ctx, a, question);
      },
    }),
    defineCommand({
      name: 'stop',
      description: 'Stop sending plain messages to an assistant',
      args: {},
      async run(ctx) {
        const session = await ctx.session();
        await ctx.setSession({ ...session, active: undefined });
        await ctx.reply(session.active ? `Stopped talking to ${session.active.name}.` : 'You were not talking to an assistant.');
      },
    }),
    defineCommand({
      name: 'cancel',
      description: 'Cancel the assistant wizard or a form in progress',
      args: {},
      async run(ctx) {
        const session = await ctx.session();
        if (!session.wizard && !session.form) {
          await ctx.reply('There is nothing to cancel.');
          return;
        }
        await ctx.setSession({ ...session, wizard: undefined, form: undefined });
        await ctx.reply('Cancelled; nothing was created.');
      },
    }),
  ],
  actions: [
    ...wizardActions,
    defineAction({
      name: 'assistant.use',
      data: z.object({ assistant: z.string() }),
      run: (ctx, { assistant }) => use(ctx, assistant),
    }),
    defineAction({
      name: 'assistant.ask',
      data: z.object({ assistant: z.string(), question: z.string() }),
      async run(ctx, { assistant, question }) {
        const session = await ctx.session();
        if (session.active?.assistantId === assistant) {
          await continueConversation(ctx, question, session);
          return;
        }
        const a = await findChatAssistant(ctx.deps, { userId: (await ctx.user()).id, idText: assistant });
        await ask(ctx, a, question);
      },
    }),
  ],
};
