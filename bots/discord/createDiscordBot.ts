import {
  AttachmentBuilder,
  Client,
  DiscordjsError,
  DiscordjsErrorCodes,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Partials,
  type ChatInputCommandInteraction,
  type Message,
  type User,
} from 'discord.js';
import { once } from 'node:events';
import { ConfigError, ServiceError, describeError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/log.ts';
import { handleText, type CommandDeps } from '../core/handleCommand.ts';
import { handleFile, type FileDeps } from '../core/handleFile.ts';
import type { Conversation } from '../core/types.ts';
import type { ChatImage } from '../../platform/notifications/types.ts';
import { UPLOAD_FILE_OPTION, commandTextOf, slashCommands } from './commands.ts';
import { fitContent } from './content.ts';
import { DISCORD_API_ROOT } from './discordOutbox.ts';
import { wrapDiscordError } from './errors.ts';

export type DiscordBotDeps = CommandDeps & FileDeps & { log: Logger };

/** Commands whose answers only the caller needs to see. Upload progress stays visible (and editable by workers). */
const EPHEMERAL = new Set(['start', 'help', 'datasets', 'status']);

const identityOf = (user: User) =>
  ({ platform: 'discord', externalId: user.id, displayName: user.globalName ?? user.username }) as const;

const payloadOf = (text: string, image: ChatImage | undefined) => ({
  content: fitContent(text),
  files: image ? [new AttachmentBuilder(Buffer.from(image.png), { name: image.fileName })] : [],
});

/**
 * Adapts a slash-command interaction to the command core's `Conversation`. The interaction is
 * deferred first, so the first reply fills in that deferred message and later ones are
 * follow-ups; each returns the id of the message posted, which workers edit by channel.
 */
function conversationOf(interaction: ChatInputCommandInteraction, ephemeral: boolean): Conversation {
  let answered = false;
  return {
    identity: identityOf(interaction.user),
    chat: { transport: 'discord', chatId: interaction.channelId },
    async reply(text, image) {
      const payload = payloadOf(text, image);
      const msg = answered
        ? await interaction.followUp({ ...payload, ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}) })
        : await interaction.editReply(payload);
      answered = true;
      return msg.id;
    },
  };
}

/** Adapts a direct message to the bot: answers go to the same DM channel. */
function conversationOfDm(message: Message): Conversation {
  return {
    identity: identityOf(message.author),
    chat: { transport: 'discord', chatId: message.channelId },
    reply: async (text, image) => (await message.reply(payloadOf(text, image))).id,
  };
}

/**
 * The Discord bot: slash commands in, the transport-free core, replies out. Nothing here knows
 * about datasets or the chain. Call `startDiscordBot` to connect.
 *
 * @param params.apiRoot - REST root without the version (default `https://discord.com/api`).
 */
export function createDiscordBot(deps: DiscordBotDeps, params: { token: string; apiRoot?: string | undefined }): Client {
  const client = new Client({
    // DirectMessages (with the Channel partial, as DM channels are not cached) lets people drop a
    // file in the bot's DMs, as the help text invites them to; in DMs, content and attachments
    // need no privileged intent.
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.DirectMessages],
    partials: [Partials.Channel],
    rest: { api: (params.apiRoot ?? DISCORD_API_ROOT).replace(/\/$/, '') },
    allowedMentions: { parse: [] },
  });
  client.token = params.token;
  const log = deps.log.child({ transport: 'discord' });

  const onCommand = async (interaction: ChatInputCommandInteraction) => {
    const ephemeral = EPHEMERAL.has(interaction.commandName);
    try {
      // Discord drops an interaction not answered within 3 s; /status alone may take that long.
      await interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
    } catch (err) {
      log.warn({ err, command: interaction.commandName }, 'could not acknowledge a discord interaction');
      return;
    }
    const conv = conversationOf(interaction, ephemeral);
    try {
      if (interaction.commandName === 'upload') {
        const file = interaction.options.getAttachment(UPLOAD_FILE_OPTION, true);
        await handleFile(deps, conv, { fileName: file.name, size: file.size, source: { kind: 'discord', url: file.url } });
      } else {
        await handleText(deps, conv, commandTextOf(interaction));
      }
    } catch (err) {
      log.error({ err, command: interaction.commandName, user: interaction.user.id }, 'discord handler failed');
      await conv.reply(`⚠️ Sorry, that failed: ${describeError(err)}`).catch(() => {});
    }
  };

  const onDirectMessage = async (message: Message) => {
    const conv = conversationOfDm(message);
    try {
      if (message.attachments.size === 0) {
        if (message.content) await handleText(deps, conv, message.content);
        return;
      }
      for (const file of message.attachments.values())
        await handleFile(deps, conv, { fileName: file.name, size: file.size, source: { kind: 'discord', url: file.url } });
    } catch (err) {
      log.error({ err, user: message.author.id }, 'discord handler failed');
      await conv.reply(`⚠️ Sorry, that failed: ${describeError(err)}`).catch(() => {});
    }
  };

  client.on(Events.MessageCreate, (message) => {
    if (!message.author.bot && !message.inGuild()) void onDirectMessage(message);
  });
  client.on(Events.InteractionCreate, (interaction) => {
    if (interaction.isChatInputCommand()) void onCommand(interaction);
  });
  client.on(Events.Error, (err) => log.error({ err }, 'discord client error'));
  client.on(Events.ShardDisconnect, (event, shard) => log.warn({ code: event.code, shard }, 'discord gateway disconnected'));
  return client;
}

/**
 * Connects to the gateway, waits until the client is ready and registers the slash commands
 * (global application commands, replaced as a whole so removed commands disappear).
 */
export async function startDiscordBot(client: Client, log: Logger): Promise<void> {
  try {
    await client.login();
  } catch (err) {
    if (err instanceof DiscordjsError && err.code === DiscordjsErrorCodes.TokenInvalid)
      throw new ConfigError('DISCORD_TOKEN was refused by Discord.', {
        cause: err,
        metaMessages: ['Copy the bot token again from the Developer Portal (Bot → Reset Token).'],
      });
    throw new ServiceError('Could not connect to the Discord gateway.', { cause: err, details: describeError(err), retryable: true });
  }
  if (!client.isReady()) await once(client, Events.ClientReady);
  const ready = client as Client<true>;
  try {
    await ready.application.commands.set(slashCommands());
  } catch (err) {
    throw wrapDiscordError(err, 'register the slash commands');
  }
  log.info({ transport: 'discord', bot: ready.user.tag, application: ready.application.id }, 'discord bot connected');
}
