import { BaseError, ServiceError } from '../../platform/errors.ts';
import { LimitExceededError } from '../../platform/limits/errors.ts';
import { claimComponent, releaseComponent } from '../../platform/chat/claimComponent.ts';
import { ComponentExpiredError } from '../../platform/chat/errors.ts';
import { z } from 'zod';
import { checkField, type ControlInput, type ReplyForm } from '../../platform/chat/reply.ts';
import { createContext, stepPrompt, type ChatContext, type SessionState } from './context.ts';
import { defineAction, parseArgs, parseCommandText, parseTextArgs, usageOf, type Action, type ArgKind, type Command, type Feature } from './registry.ts';
import type { Conversation, CoreDeps, IncomingFile } from './types.ts';

export type AutocompleteChoice = { name: string; value: string };

/** What a feature module may add to the core besides commands and actions. */
export type CoreHooks = {
  /** Plain text outside commands (the assistant in `/use` mode). Returns false when it did not take it. */
  onPlainText?: (ctx: ChatContext, text: string, session: SessionState) => Promise<boolean>;
  /**
   * A file someone sent, with the access they chose with it (Discord's `/upload` option): the
   * upload's id, or the refusal it already told the person about.
   */
  onFile?: (ctx: ChatContext, file: IncomingFile, access?: 'open' | 'private') => Promise<{ uploadId: string } | { error: unknown }>;
  /** Suggestions for an assistant or dataset argument. */
  autocomplete?: (ctx: ChatContext, kind: ArgKind, query: string) => Promise<AutocompleteChoice[]>;
  /** What to say to text that is neither a command nor for an assistant. */
  hint: string;
};

/** The transport-free chat core every transport drives. */
export type ChatCore = {
  /** Every command, in menu order: transports register exactly these. */
  commands: readonly Command[];
  /** The features the commands come from, in menu order (for `/help`). */
  features: readonly Feature[];
  onText(conv: Conversation, text: string): Promise<void>;
  /** A command with arguments given by name (Discord options) or as the text after it. */
  onCommand(conv: Conversation, name: string, args: { text: string } | { options: Record<string, unknown> }): Promise<void>;
  /** A press on a stored control: a button, a select, or a submitted form. */
  onControl(conv: Conversation, controlId: string, input: ControlInput): Promise<void>;
  /**
   * A file someone sent. The person is answered in the chat either way; the result tells the
   * transport too (the web upload answers HTTP with it).
   */
  onFile(conv: Conversation, file: IncomingFile, access?: 'open' | 'private'): Promise<{ uploadId: string } | { error: unknown }>;
  autocomplete(conv: Conversation, kind: ArgKind, query: string): Promise<AutocompleteChoice[]>;
};

/** The controls every core has: opening a form again (Discord shows a modal only as a first answer). */
const builtinActions: Action[] = [
  defineAction({
    name: 'form.open',
    data: z.object({ form: z.custom<ReplyForm>((f) => typeof f === 'object' && f !== null && 'id' in f) }),
    async run(ctx, data) {
      await ctx.reply({ text: '', form: data.form });
    },
  }),
];

/**
 * Builds the chat core from feature modules: one registry of commands and actions, one way to
 * parse what people type or press, one way to answer errors. Transports only translate.
 */
export function createChatCore(deps: CoreDeps, features: readonly Feature[], hooks: CoreHooks): ChatCore {
  const commands = features.flatMap((f) => f.commands);
  const byName = new Map(commands.map((c) => [c.name, c]));
  const actions = new Map([...builtinActions, ...features.flatMap((f) => f.actions)].map((a) => [a.name, a]));
  if (byName.size !== commands.length) throw new TypeError('Two features declare the same command.');
  const log = deps.log.child({ component: 'chat' });

  /** Runs a handler; errors become a message for the person (details only in the log). */
  const guard = async (ctx: ChatContext, what: string, fn: () => Promise<void>, asNotice = false, onError?: (err: unknown) => void) => {
    try {
      await fn();
    } catch (err) {
      onError?.(err);
      const text =
        err instanceof BaseError
          ? `⚠️ ${err.shortMessage}`
          : '⚠️ Sorry, something went wrong on our side. It was logged; please try again later.';
      if (!(err instanceof BaseError) || err.retryable) log.error({ err, what, transport: ctx.conv.chat.transport }, 'chat handler failed');
      try {
        if (asNotice) await ctx.conv.notice(text);
        else await ctx.reply({ text });
      } catch (e) {
        log.warn({ err: e, what }, 'could not tell the person about a failure');
      }
    }
  };

  const runCommand = async (conv: Conversation, command: Command, raw: { text: string } | { options: Record<string, unknown> }) => {
    const ctx = createContext(deps, conv, { personal: command.personal || command.quiet });
    await guard(ctx, `/${command.name}`, async () => {
      if (command.personal && !conv.chat.isPrivate && !conv.ephemeral) {
        await ctx.reply({ text: `🔒 /${command.name} shows things that are yours: send it to me in a private chat.` });
        return;
      }
      const parsed = 'text' in raw ? parseTextArgs(command, raw.text) : parseArgs(command, raw.options);
      if (!parsed.ok) {
        await ctx.reply({ text: `⚠️ ${parsed.message}` });
        return;
      }
      await command.run(ctx, parsed.args as never);
    });
  };

  const core: ChatCore = {
    commands,
    features,

    async onText(conv, text) {
      const ctx = createContext(deps, conv);
      await guard(ctx, 'text', async () => {
        const session = await ctx.session();
        const cmd = parseCommandText(text);
        if (session.form) {
          if (!cmd || cmd.command === 'skip') return answerStep(ctx, session, cmd ? null : text);
          await ctx.setSession({ ...session, form: undefined });
          if (cmd.command === 'cancel') {
            await ctx.reply({ text: `Stopped “${session.form.form.title}”; nothing was sent.` });
            return;
          }
        }
        if (cmd) {
          const command = byName.get(cmd.command);
          if (!command) {
            await ctx.reply({ text: `I don't know /${cmd.command}. Try /help.` });
            return;
          }
          await runCommand(conv, command, { text: cmd.args });
          return;
        }
        if (await hooks.onPlainText?.(ctx, text, session)) return;
        await ctx.reply({ text: hooks.hint });
      });
    },

    async onCommand(conv, name, args) {
      const command = byName.get(name);
      if (!command) {
        await conv.reply({ text: `I don't know /${name}. Try /help.` });
        return;
      }
      await runCommand(conv, command, args);
    },

    async onControl(conv, controlId, input) {
      const ctx = createContext(deps, conv);
      let claimed: Awaited<ReturnType<typeof claimComponent>> | undefined;
      await guard(
        ctx,
        'control',
        async () => {
          claimed = await claimComponent(deps, { id: controlId, userId: (await ctx.user()).id });
          const action = actions.get(claimed.action);
          if (!action) throw new ComponentExpiredError();
          const data = action.data.safeParse(claimed.data);
          if (!data.success) throw new ComponentExpiredError();
          try {
            await action.run(ctx, data.data, input);
          } catch (err) {
            // A once-only control whose action may succeed on a second try is given back (a limit
            // refuses before anything is done, so the same press works once the wait is over).
            if (claimed.once && (!(err instanceof BaseError) || err.retryable || err instanceof LimitExceededError)) await releaseComponent(deps, claimed.id);
            throw err;
          }
        },
        true,
      );
    },

    async onFile(conv, file, access) {
      const ctx = createContext(deps, conv);
      let result: { uploadId: string } | { error: unknown } = { error: new ServiceError('Files are not taken here.') };
      await guard(
        ctx,
        'file',
        async () => {
          if (!hooks.onFile) throw new ServiceError('Files are not taken here.');
          result = await hooks.onFile(ctx, file, access);
        },
        false,
        (err) => (result = { error: err }),
      );
      return result;
    },

    async autocomplete(conv, kind, query) {
      if (!hooks.autocomplete) return [];
      try {
        return (await hooks.autocomplete(createContext(deps, conv), kind, query)).slice(0, 25);
      } catch (err) {
        log.warn({ err, kind }, 'autocomplete failed');
        return [];
      }
    },
  };

  /** One answer of a form filled in as steps; the last one submits the form to its action. */
  async function answerStep(ctx: ChatContext, session: SessionState, text: string | null) {
    const step = session.form!;
    const field = step.form.fields[step.index]!;
    let value: string;
    if (text === null) {
      if (field.required && !field.value) {
        await ctx.reply({ text: `⚠️ ${field.label} cannot be skipped.\n\n${stepPrompt(step.form, step.index)}` });
        return;
      }
      value = field.value ?? '';
    } else {
      const checked = checkField(field, text);
      if (!checked.ok) {
        await ctx.reply({ text: `⚠️ ${checked.message}\n\n${stepPrompt(step.form, step.index)}` });
        return;
      }
      value = checked.value;
    }
    const values = { ...step.values, [field.name]: value };
    const next = step.index + 1;
    if (next < step.form.fields.length) {
      await ctx.setSession({ ...session, form: { ...step, index: next, values } });
      await ctx.reply({ text: stepPrompt(step.form, next) });
      return;
    }
    await ctx.setSession({ ...session, form: undefined });
    await core.onControl(ctx.conv, step.form.id, { fields: values });
  }

  return core;
}

/** The `/help` text: every command with how to type it, generated from the registry. */
export function helpText(features: readonly Feature[], intro: string): string {
  // One line per feature keeps it short enough for every transport (Discord: 2,000 characters).
  return [
    intro,
    '',
    'Commands:',
    ...features.filter((f) => f.commands.length).map((f) => `${f.title}: ${f.commands.map((c) => usageOf(c)).join(' · ')}`),
    '',
    '/help <command> says what one does.',
  ].join('\n');
}
