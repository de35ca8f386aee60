import { createComponent, type CreateComponentParameters } from '../../platform/chat/createComponent.ts';
import { toReply, type Reply, type ReplyForm } from '../../platform/chat/reply.ts';
import { ensureUser, type User } from '../../platform/identity/ensureUser.ts';
import { getSession, setSession, type SessionKey } from '../../platform/sessions/chatSession.ts';
import type { ChatTurn } from '../../platform/assistants/askAssistant.ts';
import type { WizardDraft } from './commands/wizard.ts';
import type { Conversation, CoreDeps } from './types.ts';

/** A form being filled in as guided steps (transports without native forms). */
export type StepForm = { form: ReplyForm; index: number; values: Record<string, string> };

/** What the core remembers per person per chat, restart-safe (PostgreSQL). */
export type SessionState = {
  /** The assistant plain messages go to (`/use`), and the last turns with it. */
  active?: { assistantId: string; name: string; history: ChatTurn[] } | undefined;
  /** A form being answered step by step. */
  form?: StepForm | undefined;
  /** The assistant wizard's draft between its steps. */
  wizard?: WizardDraft | undefined;
};

/** What a command or action handler works with: the person, the chat, and how to answer. */
export type ChatContext = {
  deps: CoreDeps;
  conv: Conversation;
  /** The person's account (created on first contact). */
  user(): Promise<User>;
  /** Sends a new message. Personal by default when the command is personal. */
  reply(reply: Reply | string): Promise<string>;
  /** Replaces the message the pressed control is on (a new message where there is none). */
  update(reply: Reply | string): Promise<void>;
  /** Stores a control for this person (or, with `shared`, for anyone its action authorises); returns its id. */
  control(action: string, data: unknown, options?: Omit<CreateComponentParameters, 'action' | 'data' | 'ownerUserId'> & { shared?: boolean }): Promise<string>;
  session(): Promise<SessionState>;
  setSession(state: SessionState): Promise<void>;
};

export const sessionKeyOf = (conv: Conversation): SessionKey => ({
  transport: conv.chat.transport,
  chatId: conv.chat.chatId,
  userId: conv.identity.externalId,
});

/** Controls of the assistant wizard and other flows work for a day. */
export const FLOW_TTL_MS = 24 * 3600 * 1000;

/**
 * Builds the context for one command, text or control press. A form sent to a transport
 * without native forms starts guided steps (see `forms.ts`); on the others it gets an opener
 * button for when it cannot be shown at once (Discord shows a modal only as the first answer).
 */
export function createContext(deps: CoreDeps, conv: Conversation, options: { personal?: boolean } = {}): ChatContext {
  let user: Promise<User> | undefined;
  const ctx: ChatContext = {
    deps,
    conv,
    user: () => (user ??= ensureUser(deps, conv.identity)),
    async reply(r) {
      const reply = toReply(r);
      const personal = reply.personal ?? options.personal;
      if (reply.form && conv.forms === 'steps') return startStepForm(ctx, { ...reply, personal });
      const withOpener = reply.form ? { ...reply, form: { ...reply.form, opener: await ctx.control('form.open', { form: reply.form }) } } : reply;
      return conv.reply({ ...withOpener, ...(personal ? { personal } : {}) });
    },
    async update(r) {
      const reply = toReply(r);
      if (reply.form || !conv.update) {
        await ctx.reply(reply);
        return;
      }
      await conv.update(reply);
    },
    async control(action, data, opts = {}) {
      const { shared, ...rest } = opts;
      return createComponent(deps, { ...rest, action, data, ownerUserId: shared ? null : (await ctx.user()).id });
    },
    session: async () => (await getSession<SessionState>(deps, sessionKeyOf(conv))) ?? {},
    setSession: (state) => setSession(deps, sessionKeyOf(conv), state),
  };
  return ctx;
}

/** Sends a form's text, then asks its first field (Telegram: forms as short guided steps). */
async function startStepForm(ctx: ChatContext, reply: Reply): Promise<string> {
  const form = reply.form!;
  const { form: _form, ...rest } = reply;
  const id = reply.text ? await ctx.conv.reply(rest) : '';
  const session = await ctx.session();
  await ctx.setSession({ ...session, form: { form, index: 0, values: {} } });
  await ctx.conv.reply({ text: stepPrompt(form, 0) });
  return id;
}

/** The question for field `index` of a form answered in steps. */
export function stepPrompt(form: ReplyForm, index: number): string {
  const f = form.fields[index]!;
  const hints = [
    f.required ? undefined : '/skip to leave it empty',
    f.value ? `/skip keeps “${f.value.length > 60 ? `${f.value.slice(0, 59)}…` : f.value}”` : undefined,
    f.maxLength ? `at most ${f.maxLength} characters` : undefined,
  ].filter(Boolean);
  return [
    `📝 ${form.title} — ${index + 1}/${form.fields.length}`,
    `${f.label}${f.placeholder ? ` (e.g. ${f.placeholder})` : ''}`,
    hints.length ? `(${hints.join('; ')})` : undefined,
    '/cancel stops.',
  ]
    .filter(Boolean)
    .join('\n');
}
