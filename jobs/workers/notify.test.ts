import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createMigratedTestDatabase, eventually } from '../../test/helpers/testRuntime.ts';
import { FakeTelegram } from '../../test/fakes/fakeTelegram.ts';
import { FakeDiscord } from '../../test/fakes/fakeDiscord.ts';
import { createTelegramApi, createTelegramOutbox } from '../../bots/telegram/telegramOutbox.ts';
import { createDiscordOutbox, createDiscordRest } from '../../bots/discord/discordOutbox.ts';
import { createOutboxRouter } from '../../platform/notifications/types.ts';
import { createRedisPacer } from '../../platform/limits/pacer.ts';
import type { Database } from '../../platform/db/client.ts';
import { notifications } from '../../platform/db/schema.ts';
import { CLAIM_LEASE_SECONDS } from '../../platform/notifications/deliverOnce.ts';
import { createLogger } from '../../platform/log.ts';
import { createJobsPort } from '../createJobsPort.ts';
import { createQueues, redisConnection, type QueueSettings } from '../queues.ts';
import type { WorkerDeps } from '../workerDeps.ts';
import { createNotifyWorker } from './notify.ts';

describe('notify worker', () => {
  let database: Database;
  let close: () => Promise<void>;
  const redis = new Redis(inject('services').redisUrl);
  const settings: QueueSettings = { connection: redisConnection(inject('services').redisUrl), prefix: `t${crypto.randomBytes(4).toString('hex')}` };
  // Telegram allows 4 messages a second here, below the pace the worker is given: its 429s are waited out.
  const telegram = new FakeTelegram(undefined, { rateLimit: { messagesPerSecond: 4 } });
  const discord = new FakeDiscord({ rateLimits: { globalPerSecond: 50, channelMessages: { limit: 5, windowMs: 5000 } } });

  beforeAll(async () => {
    ({ database, close } = await createMigratedTestDatabase());
    await Promise.all([telegram.start(), discord.start()]);
  });
  afterAll(async () => {
    const queue = new Queue('notify', { connection: settings.connection, prefix: settings.prefix });
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await Promise.all([telegram.stop(), discord.stop(), redis.quit()]);
    await close?.();
  });

  /** The worker's services over the fakes, paced at Telegram 8/s and Discord 20/s. */
  const workerDeps = () =>
    ({
      db: database.db,
      outbox: createOutboxRouter({
        telegram: createTelegramOutbox(createTelegramApi(telegram.token, telegram.apiRoot)),
        discord: createDiscordOutbox(createDiscordRest({ token: discord.token, apiRoot: discord.apiRoot })),
      }),
      settings,
      log: createLogger({ level: 'silent', pretty: false }),
      notifyPacing: { pacer: createRedisPacer({ redis, prefix: `${settings.prefix}:limits` }), perSecond: { telegram: 8, discord: 20 } },
    }) as unknown as WorkerDeps;

  it('paces each transport on its own: Discord is not held up behind a slower Telegram, whose 429s are waited out; each message arrives once', async () => {
    const deps = workerDeps();
    const queues = createQueues(settings);
    const jobs = createJobsPort(queues);
    // Interleaved, Telegram first: a single queue, as the earnings messages are.
    for (let n = 0; n < 12; n++) {
      await jobs.notify({ key: `t:${n}`, target: { identity: { platform: 'telegram', externalId: String(5000 + n) } }, reply: { text: `telegram ${n}` } });
      const user = { id: String(9_000_000 + n), username: `u${n}` };
      discord.dmChannelOf(user);
      await jobs.notify({ key: `d:${n}`, target: { identity: { platform: 'discord', externalId: user.id } }, reply: { text: `discord ${n}` } });
    }
    await queues.close();

    const t0 = performance.now();
    const worker = createNotifyWorker(deps);
    try {
      const discordDone = await eventually(async () => (discord.messages.length === 12 ? performance.now() - t0 : undefined), 20_000, 'the Discord messages');
      const telegramDone = await eventually(async () => (telegram.sent.length === 12 ? performance.now() - t0 : undefined), 20_000, 'the Telegram messages');
      // 12 Discord messages at 20 a second take about 0.6 s; 12 Telegram ones at 4 a second (Telegram's limit) at least 2 s.
      expect(discordDone).toBeLessThan(telegramDone);
      expect(telegramDone).toBeGreaterThan(1900);
      expect(telegram.rateLimited).toBeGreaterThan(0);
      await eventually(async () => {
        const rows = await database.db.select({ status: notifications.status }).from(notifications);
        return rows.length === 24 && rows.every((r) => r.status === 'sent');
      }, 10_000, 'every row sent');
    } finally {
      await worker.close();
    }
    expect(telegram.sent.map((m) => m.text).sort()).toEqual(Array.from({ length: 12 }, (_, n) => `telegram ${n}`).sort());
    expect(discord.messages.map((m) => m.content).sort()).toEqual(Array.from({ length: 12 }, (_, n) => `discord ${n}`).sort());
    expect(discord.rateLimited).toEqual({ global: 0, route: 0 });
  });

  it('takes a dead sender’s Discord message over as soon as its claim lapses, within the job (no backoff), and sends it with its nonce', async () => {
    const user = { id: '9100001', username: 'late' };
    discord.dmChannelOf(user);
    const message = { key: 'dead:d:1', target: { identity: { platform: 'discord' as const, externalId: user.id } }, reply: { text: 'taken over' } };
    // A worker died holding this claim a lease ago, less one second.
    await database.db.insert(notifications).values({ key: message.key, target: message.target, text: message.reply.text });
    await database.db
      .update(notifications)
      .set({ status: 'sending', attempts: 1, claimedAt: sql`now() - make_interval(secs => ${CLAIM_LEASE_SECONDS - 1})` })
      .where(eq(notifications.key, message.key));
    const queues = createQueues(settings);
    await createJobsPort(queues).notify(message);
    await queues.close();

    const worker = createNotifyWorker(workerDeps());
    let failed = 0;
    worker.on('failed', () => void failed++);
    try {
      const arrived = await eventually(async () => discord.messages.find((m) => m.content === 'taken over'), 10_000, 'the message');
      expect(arrived).toBeDefined();
      await eventually(async () => (await database.db.select().from(notifications).where(eq(notifications.key, message.key)))[0]?.status === 'sent', 5000, 'the row sent');
    } finally {
      await worker.close();
    }
    expect(failed).toBe(0);
    expect(discord.messages.filter((m) => m.content === 'taken over')).toHaveLength(1);
    const post = discord.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/messages') && c.body.content === 'taken over');
    expect(post.map((c) => c.body.enforce_nonce)).toEqual([true]);
  });
});
