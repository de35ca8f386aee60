import crypto from 'node:crypto';
import { REST, Routes, type APIChannel, type APIMessage } from 'discord.js';
import type { TransportOutbox } from '../../platform/notifications/types.ts';
import { messagePayloadOf } from './discordRender.ts';
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

/**
 * How long we count on Discord to drop a repeated message create with the same nonce
 * (`enforce_nonce`; Discord checks "the past few minutes").
 */
export const DISCORD_NONCE_WINDOW_MS = 60_000;

/** A message nonce for an idempotency key: Discord takes at most 25 characters. */
export const discordNonceOf = (key: string) => crypto.createHash('sha256').update(key).digest('base64url').slice(0, 25);

/** Our messages never ping anyone: file names and dataset names are user text. */
const NO_MENTIONS = { parse: [] as never[] };

/** A reply as a REST body (components as JSON) and its attached files. */
function bodyOf(reply: Parameters<TransportOutbox['send']>[1]) {
  const p = messagePayloadOf(reply);
  const image = reply.image;
  return {
    body: {
      content: p.content,
      embeds: p.embeds,
      components: p.components.map((c) => c.toJSON()),
      allowed_mentions: NO_MENTIONS,
      ...(image ? { attachments: [{ id: 0, filename: image.fileName }] } : {}),
    },
    files: image ? [{ name: image.fileName, data: Buffer.from(image.png), contentType: 'image/png' }] : undefined,
  };
}

/**
 * An outbox over Discord's REST API, used by workers (and DMs) to send and edit messages:
 * `send` posts to a channel (a picture goes along as an attached file), `edit` patches one of
 * the bot's messages (a picture given replaces its attachment), `directChat` opens the DM with a user. With an idempotency key, `send`
 * sets the message nonce with `enforce_nonce`, so Discord answers a repeat within a few minutes
 * with the message it already created instead of posting it again. Failures arrive as
 * `DiscordApiError` (or `DiscordDmClosedError`).
 */
export function createDiscordOutbox(rest: REST): TransportOutbox {
  return {
    idempotentSendWindowMs: DISCORD_NONCE_WINDOW_MS,
    async send(target, reply, options) {
      try {
        const { body, files } = bodyOf(reply);
        const key = options?.idempotencyKey;
        const payload = key ? { ...body, nonce: discordNonceOf(key), enforce_nonce: true } : body;
        const msg = (await rest.post(Routes.channelMessages(target.chatId), { body: payload, ...(files ? { files } : {}) })) as APIMessage;
        return msg.id;
      } catch (err) {
        throw wrapDiscordError(err, `send a message to Discord channel ${target.chatId}`);
      }
    },
    async edit(target, reply) {
      try {
        // Discord accepts an edit to the same content, so "not modified" needs no special case.
        // A picture replaces the message's attachments (the list names only the new one); without
        // one the attachments stay as they are.
        const { body, files } = bodyOf(reply);
        await rest.patch(Routes.channelMessage(target.chatId, target.messageId), { body, ...(files ? { files } : {}) });
      } catch (err) {
        throw wrapDiscordError(err, `edit message ${target.messageId} in Discord channel ${target.chatId}`);
      }
    },
    async directChat(userId) {
      try {
        const channel = (await rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as APIChannel;
        return { transport: 'discord', chatId: channel.id };
      } catch (err) {
        throw wrapDiscordError(err, `open a direct message with Discord user ${userId}`);
      }
    },
  };
}
