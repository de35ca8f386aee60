import http from 'node:http';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import * as tf from '@tensorflow/tfjs';
import { sql } from 'drizzle-orm';
import type { Bot } from 'grammy';
import type { Config } from '../config/loadConfig.ts';
import { createDatabase, migrateDatabase, type Database } from '../platform/db/client.ts';
import { connectChain, type ChainDeps } from '../platform/chain/clients.ts';
import { ensureDeployment } from '../platform/chain/ensureDeployment.ts';
import { loadMasterKey } from '../platform/crypto/masterKey.ts';
import { createFsBlobStore } from '../platform/storage/blobStore.ts';
import { createStagedFileFetcher, routeFetchers } from '../platform/storage/staging.ts';
import { autoApprove } from '../platform/datasets/reviewDataset.ts';
import type { DatasetLimits } from '../platform/datasets/validateDataset.ts';
import { createOutboxRouter, type ChatOutbox } from '../platform/notifications/types.ts';
import type { Logger } from '../platform/log.ts';
import { createQueues, redisConnection, type QueueName, type Queues, type QueueSettings } from '../jobs/queues.ts';
import { startWorkers, type RunningWorkers } from '../jobs/startWorkers.ts';
import { createApiApp } from '../api/createApiApp.ts';
import { createWebChatRouter } from '../bots/web/webChatRoutes.ts';
import { createWebOutbox } from '../bots/web/webOutbox.ts';
import { createTelegramApi, createTelegramOutbox } from '../bots/telegram/telegramOutbox.ts';
import { createTelegramFileFetcher } from '../bots/telegram/telegramFileFetcher.ts';
import { createTelegramBot, startTelegramBot } from '../bots/telegram/createTelegramBot.ts';
import { createDiscordTransport } from '../bots/discord/discordTransport.ts';
import type { StatusReport } from '../bots/core/types.ts';
import { createEngine, type Engine } from '../engine/index.ts';
import { createEncryptedCheckpointStore } from '../platform/assistants/encryptedCheckpointStore.ts';
import type { AssistantChat } from '../platform/assistants/assistantChat.ts';

/** Where the runtime finds its services (embedded ones started by `caravan start`, or real ones). */
export type RuntimeEndpoints = {
  databaseUrl: string;
  redisUrl: string;
  rpcUrl: string;
  operatorKey: `0x${string}`;
};

export type RuntimeOptions = {
  /** Which parts to run in this process. Default: all of them. */
  api?: boolean;
  workers?: boolean | readonly QueueName[];
  bots?: boolean;
  /** Deploy contracts when none are known for the chain (dev). */
  allowDeploy?: boolean;
};

export type Runtime = {
  config: Config;
  database: Database;
  queues: Queues;
  chain: ChainDeps;
  /** Base URL of the HTTP server when `api` runs. */
  url: string | undefined;
  status(): Promise<StatusReport>;
  stop(): Promise<void>;
};

/** Dataset limits from config. */
export const limitsFrom = (config: Config): DatasetLimits => ({
  maxBytes: config.UPLOAD_MAX_BYTES,
  maxRows: config.UPLOAD_MAX_ROWS,
  maxLineBytes: config.UPLOAD_MAX_LINE_BYTES,
  maxColumns: config.UPLOAD_MAX_COLUMNS,
});

/**
 * Wires Caravan together over running services: migrates the database, makes sure the
 * contracts are deployed, then starts the API (+ web chat), the BullMQ workers and the bots
 * whose tokens are set. The same function serves the dev stack, production processes and
 * the e2e tests.
 */
export async function startRuntime(
  config: Config,
  endpoints: RuntimeEndpoints,
  log: Logger,
  options: RuntimeOptions = {},
): Promise<Runtime> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => log.warn({ err }, 'error while stopping'));
    stops.length = 0;
  };
  try {
    const database = createDatabase(endpoints.databaseUrl);
    stops.push(() => database.close());
    const { db } = database;
    await migrateDatabase(db);

    const connected = await connectChain({ rpcUrl: endpoints.rpcUrl, operatorKey: endpoints.operatorKey });
    const { addresses } = await ensureDeployment({ db, log }, connected, {
      configured: config.CONTRACT_ADDRESSES,
      allowDeploy: options.allowDeploy ?? config.embedded.chain,
    });
    const chain: ChainDeps = { ...connected, addresses, confirmations: config.CONFIRMATIONS };

    const masterKey = loadMasterKey({ masterKeyHex: config.MASTER_KEY, home: config.home });
    const blobs = createFsBlobStore(path.join(config.home, 'blobs'));
    const stagingDir = path.join(config.home, 'incoming');
    const limits = limitsFrom(config);

    const settings: QueueSettings = { connection: redisConnection(endpoints.redisUrl), prefix: config.QUEUE_PREFIX };
    const queues = createQueues(settings);
    stops.push(() => queues.close());

    const telegram = config.TELEGRAM_BOT_TOKEN
      ? { token: config.TELEGRAM_BOT_TOKEN, apiRoot: config.TELEGRAM_API_ROOT, api: createTelegramApi(config.TELEGRAM_BOT_TOKEN, config.TELEGRAM_API_ROOT) }
      : undefined;
    const outboxes: Partial<Record<'telegram' | 'web' | 'discord', ChatOutbox>> = { web: createWebOutbox({ db }) };
    if (telegram) outboxes.telegram = createTelegramOutbox(telegram.api);
    const discord = config.DISCORD_TOKEN
      ? createDiscordTransport({ token: config.DISCORD_TOKEN, apiRoot: config.DISCORD_API_ROOT })
      : undefined;
    if (discord) outboxes.discord = discord.outbox;
    const outbox = createOutboxRouter(outboxes);
    const fetchFile = routeFetchers({
      staged: createStagedFileFetcher(stagingDir),
      ...(telegram ? { telegram: createTelegramFileFetcher(telegram) } : {}),
      ...(discord ? { discord: discord.fetchFile } : {}),
    });

    // The ML engine: fine-tunes (finetune worker) and serves (chat) assistants.
    let engine: Engine | undefined;
    if (config.ENGINE === '1') {
      const basePath = config.ENGINE_BASE_CHECKPOINT;
      engine = await createEngine({
        tf,
        store: createEncryptedCheckpointStore({ blobs, masterKey }),
        logger: log.child({ component: 'engine' }),
        ...(basePath ? { baseCheckpoint: async () => new Uint8Array(await readFile(basePath)) } : {}),
        serving: { ...(config.ENGINE_SERVE_WORKERS ? { workers: config.ENGINE_SERVE_WORKERS } : {}) },
        training: { ...(config.ENGINE_TRAIN_WORKERS ? { workers: config.ENGINE_TRAIN_WORKERS } : {}) },
      });
      const running = engine;
      stops.push(() => running.close());
    }
    const chat: AssistantChat | undefined = engine ? (id, messages) => engine.chat(id, messages) : undefined;
    const finetuneOptions = {
      ...(config.ENGINE_FINETUNE_MIN_STEPS ? { minSteps: config.ENGINE_FINETUNE_MIN_STEPS } : {}),
      ...(config.ENGINE_FINETUNE_MAX_STEPS ? { maxSteps: config.ENGINE_FINETUNE_MAX_STEPS } : {}),
      ...(config.ENGINE_CHECKPOINT_EVERY ? { checkpointEvery: config.ENGINE_CHECKPOINT_EVERY } : {}),
    };

    let workers: RunningWorkers | undefined;
    let bot: Bot | undefined;
    const webChatOn = config.WEB_CHAT === '1' && config.NODE_ENV !== 'production';

    const status = async (): Promise<StatusReport> => {
      const checks: StatusReport['checks'] = {};
      const time = async (name: string, fn: () => Promise<string>) => {
        const t0 = performance.now();
        try {
          const detail = await Promise.race([
            fn(),
            new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no answer within 3 s')), 3000)),
          ]);
          checks[name] = { ok: true, detail: `${detail} (${Math.round(performance.now() - t0)} ms)` };
        } catch (err) {
          checks[name] = { ok: false, detail: (err as Error).message };
        }
      };
      await Promise.all([
        time('postgres', async () => {
          await db.execute(sql`select 1`);
          return config.embedded.postgres ? 'embedded' : 'external';
        }),
        time('redis', async () => {
          const counts = await queues.ingest.getJobCounts('waiting', 'active', 'failed');
          return `ingest queue: ${counts.waiting ?? 0} waiting, ${counts.active ?? 0} active, ${counts.failed ?? 0} failed`;
        }),
        time('chain', async () => `chain ${chain.chainId}, block ${await chain.publicClient.getBlockNumber({ cacheTime: 0 })}`),
        time('contracts', async () => {
          const code = await chain.publicClient.getCode({ address: addresses.receipts });
          if (!code || code === '0x') throw new Error('Receipts contract has no code');
          return `AssetRegistry ${addresses.assetRegistry}, Receipts ${addresses.receipts}`;
        }),
      ]);
      checks.workers = workers
        ? { ok: workers.workers.every((w) => w.isRunning()), detail: workers.workers.map((w) => w.name).join(', ') }
        : { ok: true, detail: 'not in this process' };
      checks.telegram = telegram
        ? { ok: Boolean(bot?.isRunning()), detail: bot?.isRunning() ? `@${bot.botInfo.username} polling` : 'not running' }
        : { ok: true, detail: 'disabled (no TELEGRAM_BOT_TOKEN)' };
      checks.discord = discord ? discord.check() : { ok: true, detail: 'disabled (no DISCORD_TOKEN)' };
      if (engine) {
        const e = engine.status();
        const skipped = e.backend.skipped.map((x) => x.candidate).join(', ');
        checks.engine = {
          ok: true,
          detail: `tfjs ${e.backend.name} backend${skipped ? ` (skipped: ${skipped})` : ''}; training: ${e.finetunesRunning.length ? e.finetunesRunning.map((a) => `#${a}`).join(', ') : 'idle'}`,
        };
      } else checks.engine = { ok: true, detail: 'not in this process (ENGINE=0)' };
      checks.webchat = { ok: true, detail: webChatOn ? `${config.publicUrl}/chat` : 'disabled' };
      return { ok: Object.values(checks).every((c) => c.ok), checks };
    };

    if (options.workers !== false) {
      const names = Array.isArray(options.workers) ? options.workers : undefined;
      workers = startWorkers(
        { db, blobs, masterKey, limits, fetchFile, reviewPolicy: autoApprove, chain, outbox, queues, settings, log, engine, finetuneOptions, finetuneLockMs: config.FINETUNE_LOCK_MS },
        names,
      );
      stops.push(() => workers!.close());
    }

    let url: string | undefined;
    if (options.api !== false) {
      const webChat = webChatOn
        ? createWebChatRouter({ db, masterKey, queues, limits, status, chat, outbox: outboxes.web!, stagingDir, log })
        : undefined;
      const app = createApiApp({ db, log, status, chat, webChat });
      const server = http.createServer(app);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.PORT, config.HOST, () => resolve());
      });
      const { port } = server.address() as AddressInfo;
      url = `http://${config.HOST}:${port}`;
      stops.push(
        () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      );
    }

    if (options.bots !== false && telegram) {
      bot = createTelegramBot({ db, masterKey, queues, limits, status, chat, log }, telegram);
      await startTelegramBot(bot, log);
      stops.push(async () => {
        if (bot?.isRunning()) await bot.stop();
      });
    }

    if (options.bots !== false && discord) {
      stops.push(() => discord.stop());
      await discord.start({ db, masterKey, queues, limits, status, chat, log });
    }

    return { config, database, queues, chain, url, status, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
