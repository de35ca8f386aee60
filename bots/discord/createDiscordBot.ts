import {
  Client,
  DiscordjsError,
  DiscordjsErrorCodes,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Partials,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Message,
  type ModalSubmitInteraction,
  type StringSelectMenuInteraction,
  type User,
} from 'discord.js';
import { once } from 'node:events';
import { ConfigError, ServiceError, describeError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/log.ts';
import type { Reply } from '../../platform/chat/reply.ts';
import type { TransportOutbox } from '../../platform/notifications/types.ts';
import type { ChatCore } from '../core/createChatCore.ts';
import type { Conversation } from '../core/types.ts';
import { optionsOf } from './commands.ts';
import { messagePayloadOf, modalOf } from './discordRender.ts';
import { DISCORD_API_ROOT } from './discordOutbox.ts';

export type DiscordBotDeps = { core: ChatCore; outbox: TransportOutbox; log: Logger };

/** Discord drops an interaction not acknowledged within 3 s: answer, or defer, before that. */
export const DEFER_AFTER_MS = 2000;

type Interactive = ChatInputCommandInteraction | ButtonInteraction | StringSelectMenuInteraction | ModalSubmitInteraction;

const identityOf = (user: User) => ({ platform: 'discord', externalId: user.id, displayName: user.globalName ?? user.username }) as const;

/**
 * Adapts an interaction (a slash command, a button or select press, a modal submit) to the chat
 * core's `Conversation`. The first answer is the interaction's own response — a message, the
 * update of the pressed message, or a modal — unless the handler took longer than
 * {@link DEFER_AFTER_MS}, in which case the interaction was deferred and answers follow up.
 * Personal answers are ephemeral in servers.
 */
function conversationOf(interaction: Interactive, log: Logger, options: { personal: boolean }): Conversation & { done(): Promise<void> } {
  const inGuild = interaction.inGuild();
  const fromMessage = interaction.isMessageComponent() || (interaction.isModalSubmit() && interaction.isFromMessage());
  let acked = false;
  let pending: Promise<unknown> = Promise.resolve();
  const flags = (personal: boolean | undefined) => (inGuild && (personal ?? options.personal) ? { flags: MessageFlags.Ephemeral as const } : {});
  const serial = <T,>(fn: () => Promise<T>): Promise<T> => {
    const p = pending.then(fn);
    pending = p.catch(() => {});
    return p;
  };
  // Defer only if the handler has not answered in time; a deferred component press keeps its message.
  const timer = setTimeout(() => {
    void serial(async () => {
      if (acked) return;
      acked = true;
      if (fromMessage && !interaction.isChatInputCommand()) await (interaction as ButtonInteraction).deferUpdate();
      else await interaction.deferReply(flags(undefined));
    }).catch((err: unknown) => log.warn({ err }, 'could not defer a discord interaction'));
  }, DEFER_AFTER_MS);

  const send = (reply: Reply) =>
    serial(async () => {
      if (reply.form && !acked && !interaction.isModalSubmit()) {
        acked = true;
        await interaction.showModal(modalOf(reply.form));
        return '';
      }
      const payload = { ...messagePayloadOf(reply), ...flags(reply.personal) };
      if (!acked) {
        acked = true;
        const res = await interaction.reply({ ...payload, withResponse: true });
        return res.resource?.message?.id ?? '';
      }
      if (interaction.deferred && !interaction.replied && interaction.isChatInputCommand()) {
        // A deferred reply keeps the visibility it was deferred with.
        const msg = await interaction.editReply(messagePayloadOf(reply));
        return msg.id;
      }
      const msg = await interaction.followUp(payload);
      return msg.id;
    });

  return {
    identity: identityOf(interaction.user),
    chat: { transport: 'discord', chatId: interaction.channelId ?? interaction.user.id, isPrivate: !inGuild },
    forms: 'native',
    multiSelect: 'values',
    ephemeral: true,
    reply: send,
    ...(fromMessage
      ? {
          update: (reply: Reply) =>
            serial(async () => {
              const payload = messagePayloadOf(reply);
              const i = interaction as ButtonInteraction;
              if (!acked) {
                acked = true;
                await i.update(payload);
              } else await i.editReply(payload);
            }),
        }
      : {}),
    async notice(text) {
      await send({ text, personal: true });
    },
    async done() {
      clearTimeout(timer);
      await pending;
      // A handler that said nothing still owes Discord an acknowledgement.
      if (!acked)
        await serial(async () => {
          acked = true;
          if (fromMessage && !interaction.isChatInputCommand()) await (interaction as ButtonInteraction).deferUpdate();
          else await interaction.reply({ content: '✅', ...flags(true) });
        });
    },
  };
}

/** Adapts a direct message to the bot: answers go to the same DM channel. */
function conversationOfDm(message: Message, outbox: TransportOutbox): Conversation {
  const target = { transport: 'discord' as const, chatId: message.channelId };
  return {
    identity: identityOf(message.author),
    chat: { ...target, isPrivate: true },
    forms: 'native',
    multiSelect: 'values',
    ephemeral: true,
    reply: (reply) => outbox.send(target, reply),
    notice: async (text) => void (await outbox.send(target, { text })),
  };
}

/**
 * The Discord bot: slash commands (with autocomplete), buttons, selects, modals and files in its
 * DMs in; the transport-free chat core; replies out. No privileged intent: plain text is read
 * only in DMs, and everything in servers works through interactions.
 *
 * @param params.apiRoot - REST root without the version (default `https://discord.com/api`).
 */
export function createDiscordBot(deps: DiscordBotDeps, params: { token: string; apiRoot?: string | undefined }): Client {
  const client = new Client({
    // DirectMessages (with the Channel partial, as DM channels are not cached) lets people drop a
    // file in the bot's DMs; in DMs, content and attachments need no privileged intent.
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.DirectMessages],
    partials: [Partials.Channel],
    rest: { api: (params.apiRoot ?? DISCORD_API_ROOT).replace(/\/$/, '') },
    allowedMentions: { parse: [] },
  });
  client.token = params.token;
  const log = deps.log.child({ transport: 'discord' });
  const commands = new Map(deps.core.commands.map((c) => [c.name, c]));

  const handle = async (interaction: Interactive, personal: boolean, run: (conv: Conversation) => Promise<void>) => {
    const conv = conversationOf(interaction, log, { personal });
    try {
      await run(conv);
    } finally {
      await conv.done().catch((err: unknown) => log.warn({ err }, 'could not acknowledge a discord interaction'));
    }
  };

  const onAutocomplete = async (interaction: AutocompleteInteraction) => {
    const command = commands.get(interaction.commandName);
    const focused = interaction.options.getFocused(true);
    const kind = command?.args[focused.name]?.kind;
    // Suggestions answer nothing in the chat: the conversation only says who asks, and where.
    const conv: Conversation = {
      identity: identityOf(interaction.user),
      chat: { transport: 'discord', chatId: interaction.channelId ?? interaction.user.id, isPrivate: !interaction.inGuild() },
      forms: 'native',
      multiSelect: 'values',
      ephemeral: true,
      reply: async () => '',
      notice: async () => {},
    };
    await interaction.respond(kind ? await deps.core.autocomplete(conv, kind, String(focused.value)) : []);
  };

  client.on(Events.InteractionCreate, (interaction) => {
    const task = (async () => {
      if (interaction.isAutocomplete()) return onAutocomplete(interaction);
      if (interaction.isChatInputCommand()) {
        const command = commands.get(interaction.commandName);
        return handle(interaction, Boolean(command?.personal || command?.quiet), (conv) =>
          command ? deps.core.onCommand(conv, command.name, { options: optionsOf(interaction, command) }) : conv.reply({ text: 'This command is gone; try /help.' }).then(() => {}),
        );
      }
      if (interaction.isButton()) return handle(interaction, true, (conv) => deps.core.onControl(conv, interaction.customId, {}));
      if (interaction.isStringSelectMenu())
        return handle(interaction, true, (conv) => deps.core.onControl(conv, interaction.customId, { values: interaction.values }));
      if (interaction.isModalSubmit()) {
        const fields: Record<string, string> = {};
        for (const [name, field] of interaction.fields.fields) if ('value' in field && typeof field.value === 'string') fields[name] = field.value;
        return handle(interaction, true, (conv) => deps.core.onControl(conv, interaction.customId, { fields }));
      }
    })();
    task.catch((err: unknown) => log.error({ err, interaction: interaction.id }, 'discord interaction failed'));
  });

  client.on(Events.MessageCreate, (message) => {
    if (message.author.bot || message.inGuild()) return;
    const conv = conversationOfDm(message, deps.outbox);
    const task = (async () => {
      if (message.attachments.size === 0) {
        if (message.content) await deps.core.onText(conv, message.content);
        return;
      }
      for (const file of message.attachments.values())
        await deps.core.onFile(conv, { fileName: file.name, size: file.size, source: { kind: 'discord', url: file.url } });
    })();
    task.catch((err: unknown) => log.error({ err, user: message.author.id }, 'discord message failed'));
  });
  client.on(Events.Error, (err) => log.error({ err }, 'discord client error'));
  client.on(Events.ShardDisconnect, (event, shard) => log.warn({ code: event.code, shard }, 'discord gateway disconnected'));
  return client;
}

/** Connects to the gateway and waits until the client is ready. A token Discord refuses is a ConfigError. */
export async function connectDiscordBot(client: Client): Promise<Client<true>> {
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
  return client as Client<true>;
}
