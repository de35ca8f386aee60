import { Status, type Client } from 'discord.js';
import type { FileFetcher } from '../../platform/datasets/uploadSource.ts';
import type { ChatOutbox } from '../../platform/notifications/types.ts';
import { createDiscordBot, startDiscordBot, type DiscordBotDeps } from './createDiscordBot.ts';
import { createDiscordFileFetcher } from './discordFileFetcher.ts';
import { createDiscordOutbox, createDiscordRest } from './discordOutbox.ts';

/** Everything the runtime needs from Discord, without touching discord.js itself. */
export type DiscordTransport = {
  /** Sends and edits messages for workers (REST only; works without the gateway). */
  outbox: ChatOutbox;
  /** Downloads `{ kind: 'discord' }` upload sources. */
  fetchFile: FileFetcher;
  /** Connects the bot, waits for READY and registers the slash commands. */
  start(deps: DiscordBotDeps): Promise<void>;
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
  let client: Client | undefined;
  return {
    outbox: createDiscordOutbox(rest),
    fetchFile: createDiscordFileFetcher(params),
    async start(deps) {
      client = createDiscordBot(deps, params);
      await startDiscordBot(client, deps.log);
    },
    async stop() {
      const c = client;
      client = undefined;
      await c?.destroy();
    },
    check() {
      if (!client) return { ok: true, detail: 'bot not in this process' };
      if (!client.isReady()) return { ok: false, detail: `not connected (${Status[client.ws.status] ?? client.ws.status})` };
      return { ok: true, detail: `${client.user.tag} connected${client.ws.ping >= 0 ? `, gateway ping ${client.ws.ping} ms` : ''}` };
    },
  };
}
