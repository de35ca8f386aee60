import { Api, GrammyError, InputFile } from 'grammy';
import type { TransportOutbox } from '../../platform/notifications/types.ts';
import { TELEGRAM_MAX_CAPTION, fitTelegram, inlineKeyboardOf, withReachableLinks } from './telegramRender.ts';
import { wrapTelegramError } from './errors.ts';

/** An outbox over the Telegram Bot API (used by the bot's answers and by workers). */
export function createTelegramOutbox(api: Api): TransportOutbox {
  return {
    async send(target, given) {
      const reply = withReachableLinks(given);
      const markup = inlineKeyboardOf(reply);
      try {
        const msg = reply.image
          ? await api.sendPhoto(target.chatId, new InputFile(reply.image.png, reply.image.fileName), {
              caption: fitTelegram(reply.text, TELEGRAM_MAX_CAPTION),
              ...(markup ? { reply_markup: markup } : {}),
            })
          : await api.sendMessage(target.chatId, fitTelegram(reply.text), { ...(markup ? { reply_markup: markup } : {}) });
        return String(msg.message_id);
      } catch (err) {
        throw wrapTelegramError(err, `send a message to Telegram chat ${target.chatId}`);
      }
    },
    async edit(target, given) {
      const reply = withReachableLinks(given);
      const markup = inlineKeyboardOf(reply);
      try {
        await api.editMessageText(target.chatId, Number(target.messageId), fitTelegram(reply.text), { ...(markup ? { reply_markup: markup } : {}) });
      } catch (err) {
        // Telegram refuses an edit that changes nothing; for us that is success.
        if (err instanceof GrammyError && err.description.includes('message is not modified')) return;
        throw wrapTelegramError(err, `edit message ${target.messageId} in Telegram chat ${target.chatId}`);
      }
    },
    // A person's private chat with a bot has their user id as its chat id.
    directChat: async (externalUserId) => ({ transport: 'telegram', chatId: externalUserId }),
  };
}

/** An `Api` client for a token, honouring a custom API root (local Bot API server, tests). */
export function createTelegramApi(token: string, apiRoot: string): Api {
  return new Api(token, { apiRoot: apiRoot.replace(/\/$/, '') });
}
