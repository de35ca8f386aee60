import { Api, GrammyError, InputFile } from 'grammy';
import type { ChatOutbox } from '../../platform/notifications/types.ts';

/** A `ChatOutbox` over the Telegram Bot API (used by workers to edit and send messages). */
export function createTelegramOutbox(api: Api): ChatOutbox {
  return {
    async send(target, text, image) {
      const msg = image
        ? await api.sendPhoto(target.chatId, new InputFile(image.png, image.fileName), { caption: text.slice(0, 1024) })
        : await api.sendMessage(target.chatId, text);
      return String(msg.message_id);
    },
    async edit(target, text) {
      try {
        await api.editMessageText(target.chatId, Number(target.messageId), text);
      } catch (err) {
        // Telegram refuses an edit that changes nothing; for us that is success.
        if (err instanceof GrammyError && err.description.includes('message is not modified')) return;
        throw err;
      }
    },
  };
}

/** An `Api` client for a token, honouring a custom API root (local Bot API server, tests). */
export function createTelegramApi(token: string, apiRoot: string): Api {
  return new Api(token, { apiRoot: apiRoot.replace(/\/$/, '') });
}
