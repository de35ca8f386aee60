import http from 'node:http';
import path from 'node:path';
import crypto from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import * as tf from '@tensorflow/tfjs';
import { Redis } from 'ioredis';
import { sql } from 'drizzle-orm';
import type { Config } from '../config/loadConfig.ts';
import { createDatabase, migrateDatabase, type Database } from '../platform/db/client.ts';
import { connectChain, type ChainDeps } from '../platform/chain/clients.ts';
import { ensureDeployment } from '../platform/chain/ensureDeployment.ts';
import { foundationFor } from '../config/foundationFor.ts';
import { governanceFrom } from '../config/governanceFrom.ts';
import { reconcileTransactions } from '../platform/chain/reconcileTransactions.ts';
import { confirmationsFor } from '../config/confirmationsFor.ts';
import { loadMasterKey } from '../platform/crypto/masterKey.ts';
import { createFsBlobStore } from '../platform/storage/blobStore.ts';
import { createStagedFileFetcher, routeFetchers } from '../platform/storage/staging.ts';
import { sweepStagedUploads } from '../platform/datasets/sweepStagedUploads.ts';
import { purgeExpiredComponents } from '../platform/chat/purgeExpiredComponents.ts';
import type { DatasetLimits } from '../platform/datasets/validateDataset.ts';
import { createOutboxRouter, type TransportOutbox } from '../platform/notifications/types.ts';
import type { ReviewSettings } from '../platform/review/settings.ts';
import { parseEther } from 'viem';
import { ETH, parsePaymentTokens, type Currency } from '../platform/money/currencies.ts';
import type { MoneyDeps } from '../platform/money/types.ts';
import { createRedisRateLimiter } from '../platform/limits/rateLimiter.ts';
import { createRedisPacer } from '../platform/limits/pacer.ts';
import { createFairUse } from '../platform/limits/createFairUse.ts';
import type { StatusReport } from '../platform/status.ts';
import type { Logger } from '../platform/log.ts';
import type { AssistantChat } from '../platform/assistants/assistantChat.ts';
import { createEncryptedCheckpointStore } from '../platform/assistants/encryptedCheckpointStore.ts';
import type { WebhookSettings } from '../platform/webhooks/types.ts';
import { createQueues, redisConnection, type QueueName, type Queues, type QueueSettings } from '../jobs/queues.ts';
import { createJobsPort } from '../jobs/createJobsPort.ts';
import { startWorkers, type RunningWorkers } from '../jobs/startWorkers.ts';
import { createApiApp } from '../api/createApiApp.ts';
import { createWalletPagesRouter } from '../api/walletPages.ts';
import { createDashboardPagesRouter } from '../api/dashboardPages.ts';
import { createCaravanCore } from '../bots/core/createCaravanCore.ts';
import type { ChatCore } from '../bots/core/createChatCore.ts';
import { createWebChatRouter } from '../bots/web/webChatRoutes.ts';
import { createWebOutbox } from '../bots/web/webOutbox.ts';
import { createTelegramTransport } from '../bots/telegram/telegramTransport.ts';
import { createDiscordTransport } from '../bots/discord/discordTransport.ts';
import { createEngine, type Engine } from '../engine/index.ts';
import { ensureSpace } from '../governance/hub/ensureSpace.ts';
import { hubRelayerAccount } from '../governance/hub/relayerAccount.ts';
import { createVoteQueue } from '../governance/hub/voteQueue.ts';
import type { HubDeps } from '../governance/hub/types.ts';
import type { GovernanceDeps } from '../governance/actions/types.ts';
import { createTallyScheduler } from '../governance/tally/createTallyScheduler.ts';
import { coalescedDueAt, type ChannelPostDeps } from '../governance/channel/types.ts';

/** Where the runtime finds its services (embedded ones started by `caravan start`, or real ones). */
export type RuntimeEndpoints = {
  databaseUrl: string;
  redisUrl: string;
  rpcUrl: string;
  /** The operator's key; without it (`caravan api`, `caravan bots` may run so) the chain client only reads. */
  operatorKey?: `0x${string}` | undefined;
};

export type RuntimeOptions = {
  /** Which parts to run in this process. Default: all of them. */
  api?: boolean;
  workers?: boolean | readonly QueueName[];
  bots?: boolean;
  /** Deploy contracts when none are known for the chain (dev). */
  allowDeploy?: boolean;
  /** Seconds since the epoch as the hub and the governance channels read them (tests move it). Default: the clock. */
  clock?: (() => number) | undefined;
};

export type Runtime = {
  config: Config;
  database: Database;
  queues: Queues;
  chain: ChainDeps;
  /** Wallets, licenses and earnings (chain, keys, currencies, settings). */
  money: MoneyDeps;
  /** The chat core the bots and the web page drive. */
  core: ChatCore;
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

/** Review settings from config. */
export const reviewFrom = (config: Config): ReviewSettings => ({
  quorum: config.REVIEW_QUORUM,
  timeoutMs: config.REVIEW_TIMEOUT,
  reviewerShareBps: config.REVIEWER_SHARE_BPS,
});

/** Webhook delivery settings from config: private hosts allowed unless in production (or WEBHOOK_ALLOW_PRIVATE_HOSTS says). */
export const webhooksFrom = (config: Config): WebhookSettings => ({
  allowPrivateHosts: config.WEBHOOK_ALLOW_PRIVATE_HOSTS ? config.WEBHOOK_ALLOW_PRIVATE_HOSTS === '1' : config.NODE_ENV !== 'production',
  retryBaseMs: config.WEBHOOK_RETRY_BASE,
  maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
  sweepIntervalMs: config.WEBHOOK_SWEEP_INTERVAL,
});

/** Accepted currencies: PAYMENT_TOKENS, else the dev chain's test stablecoin; ETH always. */
export function currenciesFrom(config: Config, chain: ChainDeps): Currency[] {
  const tokens = config.PAYMENT_TOKENS
    ? parsePaymentTokens(config.PAYMENT_TOKENS)
    : chain.addresses.testStablecoin
      ? [{ symbol: 'USDC', address: chain.addresses.testStablecoin, decimals: 6 }]
      : [];
  return [...tokens, ETH];
}

/** Wallets, licenses and earnings settings from config. */
export function moneyFrom(
  config: Config,
  deps: Pick<MoneyDeps, 'db' | 'chain' | 'masterKey' | 'limiter' | 'log'>,
): MoneyDeps {
  return {
    ...deps,
    currencies: currenciesFrom(config, deps.chain),
    settings: {
      periodSeconds: config.LICENSE_PERIOD_DAYS * 86_400,
      apiQuota: config.API_LICENSE_QUOTA,
      freeQuestions: config.FREE_QUESTIONS,
      gasTopUpsPerDay: config.GAS_TOPUPS_PER_DAY,
      gasTopUpWei: parseEther('0.01'),
      faucet: { tokenUnits: 100_000_000n, ethWei: parseEther('0.05'), perDay: 5 },
      publicUrl: config.publicUrl,
      digestWindowMs: config.EARNINGS_DIGEST_WINDOW,
    },
  };
}

/** The Telegram webhook's secret: configured, or derived from the master key (stable across restarts). */
const webhookSecret = (config: Config, masterKey: Buffer) =>
  config.TELEGRAM_WEBHOOK_SECRET ?? crypto.createHmac('sha256', masterKey).update('caravan:telegram-webhook').digest('hex');

/**
 * Wires Caravan together over running services: migrates the database, makes sure the
 * contracts are deployed, then starts the API (+ web chat), the BullMQ workers and the bots
 * whose tokens are set. The same function serves the dev stack, production processes and
 * the e2e tests. `stop()` undoes it in reverse order: bots stop taking messages, the HTTP server
 * closes, a running fine-tune saves its checkpoint and goes back to the queue, workers finish,
 * then connections close.
 */
export async function startRuntime(config: Config, endpoints: RuntimeEndpoints, log: Logger, options: RuntimeOptions = {}): Promise<Runtime> {
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
      foundation: foundationFor(config, connected.chainId),
      governance: governanceFrom(config),
    });
    const chain: ChainDeps = { ...connected, addresses, confirmations: confirmationsFor(config, connected.chainId) };

    const masterKey = loadMasterKey({ masterKeyHex: config.MASTER_KEY, home: config.home });
    const blobs = createFsBlobStore(path.join(config.home, 'blobs'));
    const stagingDir = path.join(config.home, 'incoming');
    const swept = await sweepStagedUploads({ db }, { dir: stagingDir });
    if (swept) log.info({ swept }, 'removed staged uploads older than an hour');
    const purged = await purgeExpiredComponents({ db });
    if (purged) log.info({ purged }, 'removed buttons and forms that expired more than a day ago');
    if (options.workers !== false) await reconcileTransactions({ db, chain, log, masterKey });
    const limits = limitsFrom(config);
    const review = reviewFrom(config);

    const settings: QueueSettings = { connection: redisConnection(endpoints.redisUrl), prefix: config.QUEUE_PREFIX };
    const queues = createQueues(settings);
    stops.push(() => queues.close());
    const jobs = createJobsPort(queues);

    const redis = new Redis(endpoints.redisUrl, { maxRetriesPerRequest: 2, lazyConnect: false });
    redis.on('error', (err) => log.debug({ err: err.message }, 'redis (limits) connection error'));
    stops.push(async () => void (await redis.quit().catch(() => redis.disconnect())));
    const fairUse = createFairUse(createRedisRateLimiter({ redis, prefix: `${config.QUEUE_PREFIX}:limits` }), {
      upload: { limit: config.UPLOADS_PER_DAY, windowMs: 24 * 3600_000 },
      finetune: { limit: config.FINETUNES_PER_DAY, windowMs: 24 * 3600_000 },
      chat: { limit: config.CHAT_MESSAGES_PER_MINUTE, windowMs: 60_000 },
    });

    const telegram = config.TELEGRAM_BOT_TOKEN
      ? createTelegramTransport({
          token: config.TELEGRAM_BOT_TOKEN,
          apiRoot: config.TELEGRAM_API_ROOT,
          webhook: config.TELEGRAM_WEBHOOK_URL ? { url: config.TELEGRAM_WEBHOOK_URL, secret: webhookSecret(config, masterKey) } : undefined,
        })
      : undefined;
    const discord = config.DISCORD_TOKEN ? createDiscordTransport({ token: config.DISCORD_TOKEN, apiRoot: config.DISCORD_API_ROOT }) : undefined;
    const webOutbox = createWebOutbox({ db });
    const outboxes: Partial<Record<'telegram' | 'web' | 'discord', TransportOutbox>> = { web: webOutbox };
    if (telegram) outboxes.telegram = telegram.outbox;
    if (discord) outboxes.discord = discord.outbox;
    const outbox = createOutboxRouter(outboxes);
    const fetchFile = routeFetchers({
      staged: createStagedFileFetcher(stagingDir),
      ...(telegram ? { telegram: telegram.fetchFile } : {}),
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
    const chat: AssistantChat | undefined = engine ? (id, messages, opts) => engine.chat(id, messages, opts) : undefined;
    const finetuneOptions = {
      ...(config.ENGINE_FINETUNE_MIN_STEPS ? { minSteps: config.ENGINE_FINETUNE_MIN_STEPS } : {}),
      ...(config.ENGINE_FINETUNE_MAX_STEPS ? { maxSteps: config.ENGINE_FINETUNE_MAX_STEPS } : {}),
      ...(config.ENGINE_CHECKPOINT_EVERY ? { checkpointEvery: config.ENGINE_CHECKPOINT_EVERY } : {}),
    };

    let workers: RunningWorkers | undefined;
    const webChatOn = config.WEB_CHAT === '1' && config.NODE_ENV !== 'production';

    const status = async (): Promise<StatusReport> => {
      const checks: StatusReport['checks'] = {};
      const time = async (name: string, fn: () => Promise<string>) => {
        const t0 = performance.now();
        let timer: NodeJS.Timeout | undefined;
        try {
          const detail = await Promise.race([
            fn(),
            new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error('no answer within 3 s')), 3000))),
          ]);
          checks[name] = { ok: true, detail: `${detail} (${Math.round(performance.now() - t0)} ms)` };
        } catch (err) {
          checks[name] = { ok: false, detail: (err as Error).message };
        } finally {
          clearTimeout(timer);
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
      checks.telegram = telegram ? telegram.check() : { ok: true, detail: 'disabled (no TELEGRAM_BOT_TOKEN)' };
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

    // The governance hub: the default space exists; votes are tallied as they come (coalesced).
    // Proposals and their standing are posted to the governance channels by the `governance` worker:
    // at once for a new proposal, at the end of the edit interval after a vote is counted.
    const channelDeps: ChannelPostDeps = {
      db,
      outbox,
      space: config.SNAPSHOT_SPACE,
      channels: config.GOVERNANCE_CHANNELS,
      editIntervalMs: config.GOVERNANCE_POST_EDIT_INTERVAL,
      proposalUrl: config.GOVERNANCE_PROPOSAL_URL,
      now: options.clock,
      log: log.child({ component: 'governance-channels' }),
    };
    const postLater = (proposal: string, dueAtMs: number) => {
      if (!config.GOVERNANCE_CHANNELS.length) return;
      jobs.governancePosts(proposal, dueAtMs).catch((err: unknown) => log.warn({ err, proposal }, 'could not queue a governance post (the sweep will)'));
    };
    const tally = createTallyScheduler({ db, log, onCounted: (p) => postLater(p, coalescedDueAt(Date.now(), config.GOVERNANCE_POST_EDIT_INTERVAL)) });
    stops.push(() => tally.idle());
    // Votes are written in groups, one commit for many; stopping waits for every vote it took (before the tally's last count).
    const voteQueue = createVoteQueue();
    stops.push(() => voteQueue.close());
    const space = await ensureSpace({ db, chain }, { id: config.SNAPSHOT_SPACE, addresses, fallbackController: chain.account.address });
    if (space.created) log.info({ space: config.SNAPSHOT_SPACE, controller: space.controller }, 'created the default governance space');
    const hub: HubDeps = { db, chain, relayer: hubRelayerAccount(masterKey), defaultController: space.controller, log, now: options.clock, onVote: tally.request, onProposal: (p) => postLater(p, Date.now()) };
    hub.voteQueue = voteQueue;
    const governance: GovernanceDeps = { db, masterKey, hub, space: config.SNAPSHOT_SPACE };

    const money = moneyFrom(config, { db, chain, masterKey, limiter: createRedisRateLimiter({ redis, prefix: `${config.QUEUE_PREFIX}:limits` }), log });
    const core = createCaravanCore({
      db,
      masterKey,
      blobs,
      jobs,
      limits,
      fairUse,
      outbox,
      review,
      status,
      chat,
      maxQuoteChars: config.CITATION_MAX_CHARS,
      money,
      governance,
      log,
    });

    if (options.workers !== false) {
      const names = Array.isArray(options.workers) ? options.workers : undefined;
      workers = startWorkers(
        {
          db, blobs, masterKey, limits, fetchFile, chain, outbox, jobs, settings, log, review, engine, finetuneOptions,
          finetuneLockMs: config.FINETUNE_LOCK_MS, indexerIntervalMs: config.INDEXER_INTERVAL, money, webhooks: webhooksFrom(config),
          notifyPacing: { pacer: createRedisPacer({ redis, prefix: `${config.QUEUE_PREFIX}:limits` }), perSecond: config.NOTIFY_RATE },
          governanceChannels: { deps: channelDeps, sweepIntervalMs: config.GOVERNANCE_SWEEP_INTERVAL },
        },
        names,
      );
      const running = workers;
      stops.push(() => running.close());
    }


    let url: string | undefined;
    if (options.api !== false) {
      const webChat = webChatOn ? createWebChatRouter({ db, core, outbox: webOutbox, limits, stagingDir, log }) : undefined;
      const app = createApiApp({
        db,
        log,
        status,
        chat,
        fairUse,
        maxQuoteChars: config.CITATION_MAX_CHARS,
        money,
        limiter: createRedisRateLimiter({ redis, prefix: `${config.QUEUE_PREFIX}:limits` }),
        rateLimits: { perKey: config.API_RATE_LIMIT_KEY, perIp: config.API_RATE_LIMIT_IP, windowMs: config.API_RATE_LIMIT_WINDOW },
        publicUrl: config.publicUrl,
        trustProxy: config.TRUST_PROXY,
        jobs,
        blobs,
        datasetLimits: limits,
        stagingDir,
        webhooks: webhooksFrom(config),
        webChat,
        walletPages: createWalletPagesRouter(money, { hub }),
        dashboardPages: createDashboardPagesRouter(money),
        hub,
        ...(telegram?.webhookPath && options.bots !== false ? { telegramWebhook: { path: telegram.webhookPath, handler: telegram.webhookHandler } } : {}),
      });
      const server = http.createServer(app);
      // A client that breaks its connection must never take the process down.
      server.on('clientError', (err, socket) => {
        log.debug({ err: err.message }, 'http client error');
        if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
        else socket.destroy();
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.PORT, config.HOST, () => resolve());
      });
      server.on('error', (err) => log.error({ err }, 'http server error'));
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
      stops.push(() => telegram.stop());
      await telegram.start({ core, log });
    }
    if (options.bots !== false && discord) {
      stops.push(() => discord.stop());
      await discord.start({ core, log });
    }

    return { config, database, queues, chain, money, core, url, status, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
