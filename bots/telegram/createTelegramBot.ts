import { Bot, type Context } from 'grammy';
import { autoRetry } from '@grammyjs/auto-retry';
import { describeError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/log.ts';
import { COMMANDS, handleText, type CommandDeps } from '../core/handleCommand.ts';
import { handleFile, type FileDeps } from '../core/handleFile.ts';
import type { Conversation } from '../core/types.ts';

export type TelegramBotDeps = CommandDeps & FileDeps & { log: Logger };

/** Adapts a grammY context to the command core's `Conversation`. */
function conversationOf(ctx: Context): Conversation {
  const from = ctx.from!;
  const name = [from.first_name, from.last_name].filter(Boolean).join(' ') || from.username;
  return {
    identity: { platform: 'telegram', externalId: String(from.id), displayName: name },
    chat: { transport: 'telegram', chatId: String(ctx.chat!.id) },
    reply: async (text) => String((await ctx.reply(text)).message_id),
  };
}

/**
 * The Telegram bot: parses updates, calls the transport-free core, renders its replies.
 * Nothing here knows about datasets or the chain.
 */
export function createTelegramBot(deps: TelegramBotDeps, params: { token: string; apiRoot: string }): Bot {
  const bot = new Bot(params.token, { client: { apiRoot: params.apiRoot.replace(/\/$/, '') } });
  bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 30 }));
  const log = deps.log.child({ transport: 'telegram' });

  const safe = bot.errorBoundary(async (err) => {
    log.error({ err: err.error, update: err.ctx.update.update_id }, 'telegram handler failed');
    await err.ctx.reply(`⚠️ Sorry, that failed: ${describeError(err.error)}`).catch(() => {});
  });

  safe.on('message:document', async (ctx) => {
    const doc = ctx.message.document;
    await handleFile(deps, conversationOf(ctx), {
      fileName: doc.file_name ?? 'file',
      size: doc.file_size,
      source: { kind: 'telegram', fileId: doc.file_id },
    });
  });
  safe.on('message:text', (ctx) => handleText(deps, conversationOf(ctx), ctx.message.text));
  safe.on(['message:photo', 'message:video', 'message:audio', 'message:voice', 'message:sticker'], (ctx) =>
    ctx.reply('I take datasets as files: send a .csv, .jsonl, .txt or .md document (📎 → File).'),
  );
  return bot;
}

/** Starts long polling and registers the command menu; resolves once polling runs. */
export async function startTelegramBot(bot: Bot, log: Logger): Promise<void> {
  await bot.init();
  await bot.api.setMyCommands(Object.entries(COMMANDS).map(([command, description]) => ({ command, description })));
  void bot.start({ drop_pending_updates: false, onStart: (me) => log.info({ bot: me.username }, 'telegram bot polling') })
    .catch((err: unknown) => log.error({ err }, 'telegram polling stopped'));
}
