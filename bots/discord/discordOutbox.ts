import { REST, Routes, type APIChannel, type APIMessage } from 'discord.js';
import type { ChatOutbox, ChatTarget } from '../../platform/notifications/types.ts';
import { fitContent } from './content.ts';
import { wrapDiscordError } from './errors.ts';

/** Discord's own REST root; `DISCORD_API_ROOT` replaces it (a proxy, or the local fake in tests). */
export const DISCORD_API_ROOT = 'https://discord.com/api';

/**
 * A REST client for a bot token. `apiRoot` is the root without the version
 * (`https://discord.com/api`); requests go to `<apiRoot>/v10/...`.
 */
export function createDiscordRest(params: { token: string; apiRoot?: string | undefined }): REST {
  return new REST({ version: '10', api: (params.apiRoot ?? DISCORD_API_ROOT).replace(/\/$/, '') }).setToken(params.token);
}

/** Our messages never ping anyone: file names and dataset names are user text. */
const NO_MENTIONS = { parse: [] as never[] };

/**
 * A `ChatOutbox` over Discord's REST API, used by workers to send and edit messages.
 * `send` posts to a channel (an image goes along as an attached file), `edit` patches one of
 * the bot's messages. Failures arrive as `DiscordApiError` (or `DiscordDmClosedError`).
 */
export function createDiscordOutbox(rest: REST): ChatOutbox {
  return {
    async send(target, text, image) {
      try {
        const body = {
          content: fitContent(text),
          allowed_mentions: NO_MENTIONS,
          ...(image ? { attachments: [{ id: 0, filename: image.fileName }] } : {}),
        };
        const msg = (await rest.post(Routes.channelMessages(target.chatId), {
          body,
          ...(image ? { files: [{ name: image.fileName, data: Buffer.from(image.png), contentType: 'image/png' }] } : {}),
        })) as APIMessage;
        return msg.id;
      } catch (err) {
        throw wrapDiscordError(err, `send a message to Discord channel ${target.chatId}`);
      }
    },
    async edit(target, text) {
      try {
        // Discord accepts an edit to the same text, so "not modified" needs no special case.
        await rest.patch(Routes.channelMessage(target.chatId, target.messageId), {
          body: { content: fitContent(text), allowed_mentions: NO_MENTIONS },
        });
      } catch (err) {
        throw wrapDiscordError(err, `edit message ${target.messageId} in Discord channel ${target.chatId}`);
      }
    },
  };
}

/**
 * Opens (or finds) the direct-message channel with a Discord user, for notifications that are
 * not answers to a command. Sending there fails with `DiscordDmClosedError` when the user
 * does not accept DMs from the bot.
 */
export async function openDiscordDm(rest: REST, userId: string): Promise<ChatTarget> {
  try {
    const channel = (await rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as APIChannel;
    return { transport: 'discord', chatId: channel.id };
  } catch (err) {
    throw wrapDiscordError(err, `open a direct message with Discord user ${userId}`);
  }
}
