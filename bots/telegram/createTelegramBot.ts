import { Bot, type Context } from 'grammy';
import { autoRetry } from '@grammyjs/auto-retry';
import { sequentialize } from '@grammyjs/runner';
import type { Logger } from '../../platform/log.ts';
import type { TransportOutbox } from '../../platform/notifications/types.ts';
import type { ChatCore } from '../core/createChatCore.ts';
import type { Conversation } from '../core/types.ts';
import { parseCallbackData } from './telegramRender.ts';

export type TelegramBotDeps = { core: ChatCore; outbox: TransportOutbox; log: Logger };

/** Updates the bot asks Telegram for. */
export const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

/** Said to messages sent on behalf of a channel or by an anonymous admin: nobody to act for. */
export const SENDER_CHAT_NOTICE =
  'I can’t tell who sent this: messages sent on behalf of a channel or as an anonymous admin are not linked to a person, so I don’t act on them. Send it from your own account.';

const nameOf = (from: NonNullable<Context['from']>) => [from.first_name, from.last_name].filter(Boolean).join(' ') || from.username;

/** Adapts a grammY context to the chat core's `Conversation`; presses of inline buttons can edit their message. */
function conversationOf(ctx: Context, outbox: TransportOutbox): Conversation {
  const from = ctx.from!;
  const chat = ctx.chat!;
  const target = { transport: 'telegram' as const, chatId: String(chat.id) };
  const pressed = ctx.callbackQuery?.message;
  let answered = false;
  return {
    identity: { platform: 'telegram', externalId: String(from.id), displayName: nameOf(from) },
    chat: { ...target, isPrivate: chat.type === 'private' },
    forms: 'steps',
    multiSelect: 'toggle',
    ephemeral: false,
    reply: (reply) => outbox.send(target, reply),
    ...(pressed ? { update: (reply) => outbox.edit({ ...target, messageId: String(pressed.message_id) }, reply) } : {}),
    async notice(text) {
      if (ctx.callbackQuery && !answered) {
        answered = true;
        await ctx.answerCallbackQuery({ text: text.slice(0, 200), show_alert: true });
        return;
      }
      await outbox.send(target, { text });
    },
  };
}

/**
 * The Telegram bot: parses updates, calls the transport-free chat core, renders its replies.
 * Updates of one chat are handled in order, different chats concurrently (`sequentialize`, with
 * the runner or a webhook). Nothing here knows about datasets or the chain.
 */
export function createTelegramBot(deps: TelegramBotDeps, params: { token: string; apiRoot: string }): Bot {
  const bot = new Bot(params.token, { client: { apiRoot: params.apiRoot.replace(/\/$/, '') } });
  bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 30 }));
  const log = deps.log.child({ transport: 'telegram' });
  bot.use(sequentialize((ctx: Context) => ctx.chat?.id.toString()));

  const safe = bot.errorBoundary((err) => {
    log.error({ err: err.error, update: err.ctx.update.update_id }, 'telegram handler failed');
  });

  // A message from a channel or an anonymous admin carries a shared placeholder `from`: never act on it as a person.
  safe.on('message', async (ctx, next) => {
    if (ctx.message.sender_chat) {
      await ctx.reply(SENDER_CHAT_NOTICE, { reply_parameters: { message_id: ctx.message.message_id, allow_sending_without_reply: true } });
      return;
    }
    await next();
  });
  safe.on('message:document', async (ctx) => {
    const doc = ctx.message.document;
    await deps.core.onFile(conversationOf(ctx, deps.outbox), {
      fileName: doc.file_name ?? 'file',
      size: doc.file_size,
      source: { kind: 'telegram', fileId: doc.file_id },
    });
  });
  safe.on('message:text', (ctx) => deps.core.onText(conversationOf(ctx, deps.outbox), ctx.message.text));
  safe.on(['message:photo', 'message:video', 'message:audio', 'message:voice', 'message:sticker'], (ctx) =>
    ctx.reply('I take datasets as files: send a .csv, .jsonl, .txt or .md document (📎 → File).'),
  );
  safe.on('callback_query:data', async (ctx) => {
    const conv = conversationOf(ctx, deps.outbox);
    const { control, values, toggle } = parseCallbackData(ctx.callbackQuery.data);
    let noticed = false;
    const notice = conv.notice;
    await deps.core.onControl({ ...conv, notice: (t) => ((noticed = true), notice(t)) }, control, { values, toggle });
    // Every press is answered once, or the person's client keeps spinning.
    if (!noticed) await ctx.answerCallbackQuery().catch((err: unknown) => log.debug({ err }, 'could not answer a callback query'));
  });
  bot.catch((err) => log.error({ err: err.error }, 'telegram update failed'));
  return bot;
}
