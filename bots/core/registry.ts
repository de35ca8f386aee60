import { z } from 'zod';
import type { ControlInput } from '../../platform/chat/reply.ts';
import type { ChatContext } from './context.ts';
import type { IncomingFile } from './types.ts';

/**
 * The command registry, in the spirit of grammY's Composer: each feature under `commands/`
 * declares its commands (typed arguments, description, handler) and the actions its buttons,
 * selects and forms run. Discord's slash commands, Telegram's command menu, the web page's help
 * and `/help` are all generated from it, so every transport exposes the same commands.
 */

/**
 * How an argument is typed in a chat and offered by Discord: one word, the rest of the line,
 * an assistant or a dataset (Discord autocompletes them), one of fixed choices, or a file (a
 * Discord option; on other transports the person sends the file).
 */
export type ArgKind = 'word' | 'text' | 'assistant' | 'dataset' | 'choice' | 'attachment';

export type ArgSpec<T> = {
  kind: ArgKind;
  description: string;
  required: boolean;
  /** Parses what was typed or chosen; its messages are shown to the person. */
  schema: z.ZodType<T>;
  choices?: ReadonlyArray<{ label: string; value: string }> | undefined;
  maxLength?: number | undefined;
};

type Opt<T, R extends boolean> = R extends true ? T : T | undefined;

const stringArg = (kind: ArgKind, description: string, max: number, required: boolean) => ({
  kind,
  description,
  required,
  maxLength: max,
  schema: z
    .string()
    .trim()
    .min(1, `${description} is missing.`)
    .max(max, `${description} can be at most ${max} characters.`),
});

/** Argument builders. */
export const arg = {
  /** One word (no spaces). */
  word: <R extends boolean = true>(description: string, opts: { required?: R; max?: number } = {}) =>
    stringArg('word', description, opts.max ?? 64, opts.required ?? true) as ArgSpec<Opt<string, R>>,
  /** The rest of the line (the last argument). */
  text: <R extends boolean = true>(description: string, opts: { required?: R; max?: number } = {}) =>
    stringArg('text', description, opts.max ?? 2000, opts.required ?? true) as ArgSpec<Opt<string, R>>,
  /** An assistant's id, as people see it (`as_…`); Discord suggests matching assistants. */
  assistant: (description: string) => stringArg('assistant', description, 64, true) as ArgSpec<string>,
  /** A dataset's id (`ds_…`); Discord suggests matching datasets. */
  dataset: (description: string) => stringArg('dataset', description, 64, true) as ArgSpec<string>,
  /** One of fixed choices. */
  choice: <const V extends string, R extends boolean = true>(
    description: string,
    choices: ReadonlyArray<{ label: string; value: V }>,
    opts: { required?: R } = {},
  ): ArgSpec<Opt<V, R>> => ({
    kind: 'choice',
    description,
    required: opts.required ?? true,
    choices,
    schema: z
      .string()
      .trim()
      .toLowerCase()
      .refine((v) => choices.some((c) => c.value === v), `${description}: choose ${choices.map((c) => c.value).join(' or ')}.`) as unknown as z.ZodType<
      Opt<V, R>
    >,
  }),
  /** A file: a Discord option; on Telegram and the web the person sends the file instead. */
  attachment: (description: string): ArgSpec<IncomingFile | undefined> => ({
    kind: 'attachment',
    description,
    required: false,
    schema: z.custom<IncomingFile | undefined>(() => true),
  }),
};

type ArgsSpec = Record<string, ArgSpec<unknown>>;
export type ArgsOf<A extends ArgsSpec> = { [K in keyof A]: A[K] extends ArgSpec<infer T> ? T : never };

export type Command<A extends ArgsSpec = ArgsSpec> = {
  /** 1–32 lower-case letters, digits or underscores (the strictest of Discord and Telegram). */
  name: string;
  /** One line, at most 100 characters (Discord's limit). */
  description: string;
  args: A;
  /**
   * Its answers hold personal data: shown only to the caller where the transport can (Discord's
   * ephemeral messages); in a group chat that cannot, it asks to be run in a private chat.
   */
  personal?: boolean | undefined;
  /** Only the caller needs to see its answer (help, status): ephemeral where possible, else shown in the chat. */
  quiet?: boolean | undefined;
  run(ctx: ChatContext, args: ArgsOf<A>): Promise<void>;
};

export type Action<D = unknown> = {
  /** `feature.verb`, stored with each control it is attached to. */
  name: string;
  /** Validates what was stored with the control (it may predate a deploy). */
  data: z.ZodType<D>;
  run(ctx: ChatContext, data: D, input: ControlInput): Promise<void>;
};

/** A feature module: its commands and the actions of its controls. */
/** A set of commands and the actions of their controls; `title` heads its line in `/help`. */
export type Feature = { name: string; title: string; commands: Command[]; actions: Action[] };

/** Declares a command; `run` receives its arguments parsed and typed. */
export function defineCommand<A extends ArgsSpec>(command: Command<A>): Command {
  if (!/^[a-z0-9_]{1,32}$/.test(command.name)) throw new TypeError(`Invalid command name "${command.name}".`);
  if (command.description.length > 100) throw new TypeError(`The description of /${command.name} is over 100 characters.`);
  return command as unknown as Command;
}

/** Declares an action run by a control. */
export function defineAction<D>(action: Action<D>): Action {
  return action as unknown as Action;
}

/** How a command is typed: `/ask <assistant> <question>`. */
export function usageOf(command: Command): string {
  const parts = Object.entries(command.args)
    .filter(([, a]) => a.kind !== 'attachment')
    .map(([name, a]) => (a.required ? `<${name}>` : `[${name}]`));
  return [`/${command.name}`, ...parts].join(' ');
}

/** Arguments could not be read from what was typed; the message says how to type them. */
export type ArgsResult = { ok: true; args: Record<string, unknown> } | { ok: false; message: string };

/**
 * Reads a command's arguments from the text after it: one word each, except a `text` argument
 * in last place, which takes the rest of the line. Each value is checked by its schema.
 */
export function parseTextArgs(command: Command, text: string): ArgsResult {
  const entries = Object.entries(command.args).filter(([, a]) => a.kind !== 'attachment');
  const raw: Record<string, string | undefined> = {};
  let rest = text.trim();
  for (const [i, [name, a]] of entries.entries()) {
    if (!rest) break;
    if (a.kind === 'text' && i === entries.length - 1) {
      raw[name] = rest;
      rest = '';
    } else {
      const m = /^(\S+)\s*([\s\S]*)$/.exec(rest)!;
      raw[name] = m[1];
      rest = m[2]!;
    }
  }
  if (rest) return { ok: false, message: `Too many arguments. Usage: ${usageOf(command)}` };
  return parseArgs(command, raw);
}

/** Checks arguments given by name (Discord options, or what `parseTextArgs` split). */
export function parseArgs(command: Command, raw: Record<string, unknown>): ArgsResult {
  const args: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(command.args)) {
    const value = raw[name];
    if (value === undefined || value === null || value === '') {
      if (a.required) return { ok: false, message: `${a.description} is missing. Usage: ${usageOf(command)}` };
      args[name] = undefined;
      continue;
    }
    const parsed = a.schema.safeParse(value);
    if (!parsed.success) return { ok: false, message: `${parsed.error.issues[0]!.message} Usage: ${usageOf(command)}` };
    args[name] = parsed.data;
  }
  return { ok: true, args };
}

/** Splits `/cmd@bot args` into its parts; null for text that is not a command. */
export function parseCommandText(text: string): { command: string; args: string } | null {
  const m = /^\/([a-zA-Z0-9_]{1,32})(?:@[A-Za-z0-9_]+)?(?:\s+([\s\S]*))?$/.exec(text.trim());
  return m ? { command: m[1]!.toLowerCase(), args: (m[2] ?? '').trim() } : null;
}
