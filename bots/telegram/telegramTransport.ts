import { GrammyError, webhookCallback, type Bot } from 'grammy';
import { run, type RunnerHandle } from '@grammyjs/runner';
import type { RequestHandler } from 'express';
import { ConfigError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/log.ts';
import type { FileFetcher } from '../../platform/datasets/uploadSource.ts';
import type { TransportOutbox } from '../../platform/notifications/types.ts';
import type { ChatCore } from '../core/createChatCore.ts';
import { retryLater, type RetryLater } from '../shared/retryLater.ts';
import { ALLOWED_UPDATES, createTelegramBot } from './createTelegramBot.ts';
import { createTelegramApi, createTelegramOutbox } from './telegramOutbox.ts';
import { createTelegramFileFetcher } from './telegramFileFetcher.ts';

export type TelegramTransportParameters = {
  token: string;
  apiRoot: string;
  /** Webhook mode: Telegram POSTs updates to `url`, proving itself with `secret`. Long polling without it. */
  webhook?: { url: string; secret: string } | undefined;
};

/** Everything the runtime needs from Telegram, without touching grammY itself. */
export type TelegramTransport = {
  outbox: TransportOutbox;
  fetchFile: FileFetcher;
  /** The path Telegram posts updates to in webhook mode (mount `webhookHandler` there). */
  webhookPath: string | undefined;
  /** Receives webhook updates; answers 401 to a wrong secret token and 503 until the bot runs. */
  webhookHandler: RequestHandler;
  /**
   * Starts the bot. A token Telegram refuses stops the start (ConfigError naming it); anything
   * else Telegram fails or refuses at start (reaching it, the command menu, the webhook) is
   * logged and retried later while the rest of the platform keeps running.
   */
  start(deps: { core: ChatCore; log: Logger }): Promise<void>;
  stop(): Promise<void>;
  check(): { ok: boolean; detail: string };
};

/** Creates the Telegram side of a process: the outbox and fetcher always (workers), the bot on `start`. */
export function createTelegramTransport(params: TelegramTransportParameters): TelegramTransport {
  const api = createTelegramApi(params.token, params.apiRoot);
  const outbox = createTelegramOutbox(api);
  let bot: Bot | undefined;
  let runner: RunnerHandle | undefined;
  let handler: RequestHandler | undefined;
  const retries: RetryLater[] = [];
  let connect: RetryLater | undefined;
  let webhookSet: RetryLater | undefined;

  return {
    outbox,
    fetchFile: createTelegramFileFetcher({ api, token: params.token, apiRoot: params.apiRoot }),
    webhookPath: params.webhook ? new URL(params.webhook.url).pathname : undefined,
    webhookHandler: (req, res, next) => {
      if (!handler) {
        res.status(503).set('retry-after', '5').json({ error: 'unavailable', message: 'The Telegram bot is starting.' });
        return;
      }
      return handler(req, res, next);
    },
    async start(deps) {
      const log = deps.log.child({ transport: 'telegram' });
      const b = createTelegramBot({ core: deps.core, outbox, log }, params);
      bot = b;
      try {
        await b.init();
      } catch (err) {
        if (err instanceof GrammyError && (err.error_code === 401 || err.error_code === 404))
          throw new ConfigError('TELEGRAM_BOT_TOKEN was refused by Telegram.', {
            cause: err,
            metaMessages: ['Copy the token again from @BotFather (/token), or unset TELEGRAM_BOT_TOKEN to run without Telegram.'],
          });
        log.warn({ err }, 'Telegram could not be reached at start; the bot connects when it can');
      }
      const commands = deps.core.commands.map((c) => ({ command: c.name, description: c.description }));
      retries.push(retryLater('registering the Telegram command menu', async () => void (await b.api.setMyCommands(commands)), log));
      if (params.webhook) {
        const { url, secret } = params.webhook;
        handler = webhookCallback(b, 'express', { secretToken: secret, onTimeout: 'return', timeoutMilliseconds: 8000 });
        webhookSet = retryLater(
          'setting the Telegram webhook',
          async () => void (await b.api.setWebhook(url, { secret_token: secret, allowed_updates: [...ALLOWED_UPDATES] })),
          log,
        );
        retries.push(webhookSet);
        await webhookSet.firstAttempt;
        return;
      }
      // Long polling: a webhook left over from webhook mode would make getUpdates fail.
      connect = retryLater(
        'starting Telegram long polling',
        async () => {
          if (!b.isInited()) await b.init();
          await b.api.deleteWebhook();
          runner = run(b, { runner: { fetch: { allowed_updates: [...ALLOWED_UPDATES] } } });
          log.info({ bot: b.botInfo.username }, 'telegram bot polling');
        },
        log,
      );
      retries.push(connect);
      // The first try is awaited (so status and the start banner tell the truth); later ones run in the background.
      await connect.firstAttempt;
    },
    async stop() {
      for (const r of retries.splice(0)) r.stop();
      handler = undefined;
      if (runner?.isRunning()) await runner.stop();
      runner = undefined;
      bot = undefined;
    },
    check() {
      if (!bot) return { ok: true, detail: 'bot not in this process' };
      const name = bot.isInited() ? `@${bot.botInfo.username}` : 'bot';
      if (params.webhook)
        return webhookSet?.ok ? { ok: true, detail: `${name} on webhook ${params.webhook.url}` } : { ok: false, detail: `${name}: webhook not set yet (${webhookSet?.lastError ?? 'pending'})` };
      if (runner?.isRunning()) return { ok: true, detail: `${name} polling` };
      return { ok: false, detail: `${name}: not polling yet (${connect?.lastError ?? 'connecting'})` };
    },
  };
}
