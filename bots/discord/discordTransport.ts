import { Status, type Client } from 'discord.js';
import type { Logger } from '../../platform/log.ts';
import { ServiceError } from '../../platform/errors.ts';
import type { FileFetcher } from '../../platform/datasets/uploadSource.ts';
import type { TransportOutbox } from '../../platform/notifications/types.ts';
import type { ChatCore } from '../core/createChatCore.ts';
import { retryLater, type RetryLater } from '../shared/retryLater.ts';
import { slashCommands } from './commands.ts';
import { connectDiscordBot, createDiscordBot } from './createDiscordBot.ts';
import { createDiscordFileFetcher } from './discordFileFetcher.ts';
import { createDiscordOutbox, createDiscordRest } from './discordOutbox.ts';
import { wrapDiscordError } from './errors.ts';

/** Everything the runtime needs from Discord, without touching discord.js itself. */
export type DiscordTransport = {
  /** Sends and edits messages for workers (REST only; works without the gateway). */
  outbox: TransportOutbox;
  /** Downloads `{ kind: 'discord' }` upload sources. */
  fetchFile: FileFetcher;
  /**
   * Connects the bot and registers the slash commands. A token Discord refuses stops the start
   * (ConfigError); a refused command registration is logged and retried later while the bot serves.
   */
  start(deps: { core: ChatCore; log: Logger }): Promise<void>;
  /** Disconnects the bot; safe to call when it never started. */
  stop(): Promise<void>;
  /** The `discord` line of the status report. */
  check(): { ok: boolean; detail: string };
};

/**
 * The Discord side of a process: an outbox and a fetcher always (workers need them), the bot
 * only once `start` is called (processes that run bots).
 */
export function createDiscordTransport(params: { token: string; apiRoot?: string | undefined }): DiscordTransport {
  const rest = createDiscordRest(params);
  const outbox = createDiscordOutbox(rest);
  let client: Client | undefined;
  let registration: RetryLater | undefined;
  let connecting: RetryLater | undefined;
  return {
    outbox,
    fetchFile: createDiscordFileFetcher(params),
    async start(deps) {
      const log = deps.log.child({ transport: 'discord' });
      const bot = createDiscordBot({ core: deps.core, outbox, log }, params);
      client = bot;
      const commands = slashCommands(deps.core.commands);
      const register = async (ready: Client<true>) => {
        // Global commands, replaced as a whole so removed commands disappear.
        registration = retryLater(
          'registering the Discord slash commands',
          async () => {
            try {
              await ready.application.commands.set(commands);
            } catch (err) {
              throw wrapDiscordError(err, 'register the slash commands');
            }
          },
          log,
        );
        log.info({ bot: ready.user.tag, application: ready.application.id }, 'discord bot connected');
        await registration.firstAttempt;
      };
      try {
        await register(await connectDiscordBot(bot));
      } catch (err) {
        if (!(err instanceof ServiceError)) throw err;
        // The gateway could not be reached: keep the platform up and connect when it can.
        connecting = retryLater('connecting to the Discord gateway', async () => {
          if (client !== bot) return;
          await register(await connectDiscordBot(bot));
        }, log);
      }
    },
    async stop() {
      connecting?.stop();
      registration?.stop();
      const c = client;
      client = undefined;
      await c?.destroy();
    },
    check() {
      if (!client) return { ok: true, detail: 'bot not in this process' };
      if (!client.isReady()) return { ok: false, detail: `not connected (${Status[client.ws.status] ?? client.ws.status})` };
      const commands = registration?.ok ? '' : `; slash commands not registered yet (${registration?.lastError ?? 'pending'})`;
      return { ok: Boolean(registration?.ok), detail: `${client.user.tag} connected${client.ws.ping >= 0 ? `, gateway ping ${client.ws.ping} ms` : ''}${commands}` };
    },
  };
}
