import crypto from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDiscordOutbox, createDiscordRest } from '../../bots/discord/discordOutbox.ts';
import type { GovernanceChannel } from '../../governance/channel/channels.ts';
import { coalescedDueAt, type ChannelPostDeps } from '../../governance/channel/types.ts';
import type { Database } from '../../platform/db/client.ts';
import { hubProposals } from '../../platform/db/schema.ts';
import { createLogger } from '../../platform/log.ts';
import { createOutboxRouter } from '../../platform/notifications/types.ts';
import { FakeDiscord } from '../../test/fakes/fakeDiscord.ts';
import { createMigratedTestDatabase, eventually } from '../../test/helpers/testRuntime.ts';
import { createJobsPort } from '../createJobsPort.ts';
import { createQueues, redisConnection, type QueueSettings } from '../queues.ts';
import type { WorkerDeps } from '../workerDeps.ts';
import { createGovernanceWorker, GOVERNANCE_SWEEP_SCHEDULER_ID } from './governance.ts';

const SPACE = 'caravan.eth';
const id = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;

/**
 * The `governance` worker on real Redis, PostgreSQL and the fake Discord: requests for one
 * proposal and time are one job (how votes of a burst coalesce), a queued job posts its proposal,
 * and the sweep it schedules posts a proposal nobody queued a job for.
 */
describe('governance worker', () => {
  const settings: QueueSettings = { connection: redisConnection(inject('services').redisUrl), prefix: `t${crypto.randomBytes(4).toString('hex')}` };
  const discord = new FakeDiscord();
  const queues = createQueues(settings);
  const jobs = createJobsPort(queues);
  let database: Database;
  let close: () => Promise<void>;
  let channel: GovernanceChannel;
  let worker: ReturnType<typeof createGovernanceWorker> | undefined;

  const addProposal = async (n: number) => {
    const now = Math.floor(Date.now() / 1000);
    await database.db.insert(hubProposals).values({
      id: id(n), ipfs: 'bafy', author: '0x0000000000000000000000000000000000000001', created: now, space: SPACE, network: '31337', symbol: 'VOTE',
      type: 'basic', strategies: [], title: `Worker proposal ${n}`, body: '', choices: ['For', 'Against', 'Abstain'], start: now - 10, end: now + 3600, snapshot: 1,
    });
  };
  const posted = (n: number) => discord.messagesIn(channel.target.chatId).filter((m) => m.embeds[0]?.title === `🗳 Worker proposal ${n}`);

  beforeAll(async () => {
    ({ database, close } = await createMigratedTestDatabase());
    await discord.start();
    const chatId = discord.guildChannel().channelId;
    channel = { id: `discord:${chatId}`, target: { transport: 'discord', chatId } };
  });
  afterAll(async () => {
    await worker?.close();
    const queue = new Queue('governance', { connection: settings.connection, prefix: settings.prefix });
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await queues.close();
    await discord.stop();
    await close?.();
  });

  it('queues one job per proposal and time: the votes of one interval are one job', async () => {
    const due = coalescedDueAt(Date.now(), 60_000);
    expect(due % 60_000).toBe(0);
    expect(due).toBeGreaterThan(Date.now());
    await Promise.all([jobs.governancePosts(id(99), due), jobs.governancePosts(id(99), due), jobs.governancePosts(id(99), due)]);
    expect(await queues.governance.getDelayedCount()).toBe(1);
    await jobs.governancePosts(id(99), due + 60_000);
    expect(await queues.governance.getDelayedCount()).toBe(2);
    const [job] = await queues.governance.getDelayed();
    expect(job!.data).toEqual({ proposal: id(99) });
    await queues.governance.drain(true);
  });

  it('posts a queued proposal, and the sweep posts one nobody queued', async () => {
    const channelDeps: ChannelPostDeps = { db: database.db, outbox: createOutboxRouter({ discord: createDiscordOutbox(createDiscordRest({ token: discord.token, apiRoot: discord.apiRoot })) }), space: SPACE, channels: [channel], editIntervalMs: 1000 };
    const deps = { settings, log: createLogger({ level: 'silent', pretty: false }), jobs, governanceChannels: { deps: channelDeps, sweepIntervalMs: 500 } } as unknown as WorkerDeps;
    await addProposal(1);
    await jobs.governancePosts(id(1), Date.now());
    worker = createGovernanceWorker(deps);
    const post = await discord.waitForMessage(channel.target.chatId, (m) => m.embeds[0]?.title === '🗳 Worker proposal 1', 15_000);
    expect(post.components).toHaveLength(1); // basic: three buttons in one row
    await eventually(async () => (await queues.governance.getJobSchedulers()).some((s) => s.key === GOVERNANCE_SWEEP_SCHEDULER_ID), 10_000, 'the sweep scheduler');
    await addProposal(2);
    await discord.waitForMessage(channel.target.chatId, (m) => m.embeds[0]?.title === '🗳 Worker proposal 2', 15_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect([posted(1).length, posted(2).length]).toEqual([1, 1]);
  });
});
