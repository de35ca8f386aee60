import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { createDiscordOutbox, createDiscordRest } from '../../bots/discord/discordOutbox.ts';
import { createWebOutbox } from '../../bots/web/webOutbox.ts';
import { governancePosts, hubProposals, webMessages } from '../../platform/db/schema.ts';
import type { Database } from '../../platform/db/client.ts';
import { createOutboxRouter, type ChatOutbox } from '../../platform/notifications/types.ts';
import { FakeDiscord } from '../../test/fakes/fakeDiscord.ts';
import { createMigratedTestDatabase } from '../../test/helpers/testRuntime.ts';
import type { GovernanceChannel } from './channels.ts';
import { postKey, postProposals } from './postProposals.ts';
import { refreshPosts } from './refreshPosts.ts';
import type { ChannelPostDeps } from './types.ts';

const SPACE = 'caravan.eth';
const id = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;

/**
 * Posting and updating proposals in a governance channel against PostgreSQL and the fake Discord
 * through the real Discord outbox: each proposal is posted once however often asked; a claim
 * left by a sender that died is taken over within Discord's nonce window (the repeat returns the
 * first message) and given up after it; edits are at most one per interval and only on change.
 */
describe('postProposals / refreshPosts', () => {
  const discord = new FakeDiscord();
  let database: Database;
  let close: () => Promise<void>;
  let outbox: ChatOutbox;
  let channel: GovernanceChannel;
  let now = Math.floor(Date.now() / 1000);
  const deps = (): ChannelPostDeps => ({ db: database.db, outbox, space: SPACE, channels: [channel], editIntervalMs: 1500, now: () => now });

  const addProposal = async (n: number, over: Partial<typeof hubProposals.$inferInsert> = {}) => {
    await database.db.insert(hubProposals).values({
      id: id(n),
      ipfs: 'bafy',
      author: '0x0000000000000000000000000000000000000001',
      created: now - 100 + n,
      space: SPACE,
      network: '31337',
      symbol: 'VOTE',
      type: 'single-choice',
      strategies: [],
      title: `Proposal ${n}`,
      body: '',
      choices: ['Yes', 'No'],
      start: now - 60,
      end: now + 3600,
      snapshot: 1,
      ...over,
    });
  };
  const postRow = async (n: number) => (await database.db.select().from(governancePosts).where(and(eq(governancePosts.proposal, id(n)), eq(governancePosts.channel, channel.id))))[0];
  const titled = (n: number) => discord.messagesIn(channel.target.chatId).filter((m) => m.embeds[0]?.title === `🗳 Proposal ${n}`);

  beforeAll(async () => {
    await discord.start();
    ({ database, close } = await createMigratedTestDatabase());
    outbox = createOutboxRouter({ discord: createDiscordOutbox(createDiscordRest({ token: discord.token, apiRoot: discord.apiRoot })) });
    const chatId = discord.guildChannel().channelId;
    channel = { id: `discord:${chatId}`, target: { transport: 'discord', chatId } };
  });
  afterAll(async () => {
    await close?.();
    await discord.stop();
  });

  it('posts each open proposal of the space once, and nothing that is over or elsewhere', async () => {
    await addProposal(1);
    await addProposal(2, { end: now - 1 });
    await addProposal(3, { space: 'other.eth' });
    // Three workers at once: one claims and posts, the others find it claimed.
    const at = await Promise.all([postProposals(deps()), postProposals(deps()), postProposals(deps())]);
    expect(at.reduce((a, r) => a + r.posted, 0)).toBe(1);
    expect(await postProposals(deps())).toEqual({ posted: 0, skipped: 0 });
    expect(titled(1)).toHaveLength(1);
    expect(titled(2)).toHaveLength(0);
    expect(titled(3)).toHaveLength(0);
    expect(await postRow(1)).toMatchObject({ status: 'posted', messageId: titled(1)[0]!.id, attempts: 1 });
  });

  it('takes over the claim of a sender that died after sending, within the nonce window: the same message, not a second', async () => {
    await addProposal(4);
    // A sender claimed the post, sent it, and died before recording it.
    const sent = await outbox.send(channel.target, { text: 'Proposal 4 (first attempt)' }, { idempotencyKey: postKey(id(4), channel.id) });
    await database.db.insert(governancePosts).values({ proposal: id(4), channel: channel.id, status: 'sending', claimedAt: sql`now() - interval '20 seconds'`, attempts: 1 });
    const repeats = discord.nonceRepeats;
    expect(await postProposals(deps(), { proposal: id(4) })).toEqual({ posted: 1, skipped: 0 });
    expect(discord.nonceRepeats).toBe(repeats + 1);
    expect(await postRow(4)).toMatchObject({ status: 'posted', messageId: sent, attempts: 2 });
    expect(discord.messagesIn(channel.target.chatId).filter((m) => m.id === sent)).toHaveLength(1);
    expect(titled(4)).toHaveLength(0); // the message Discord kept is the first attempt's
  });

  it('leaves a claim in doubt past the nonce window as lost: never sent again', async () => {
    await addProposal(5);
    await database.db.insert(governancePosts).values({ proposal: id(5), channel: channel.id, status: 'sending', claimedAt: sql`now() - interval '2 minutes'`, attempts: 1 });
    expect(await postProposals(deps(), { proposal: id(5) })).toEqual({ posted: 0, skipped: 1 });
    expect(await postRow(5)).toMatchObject({ status: 'lost', messageId: null });
    expect(await postProposals(deps(), { proposal: id(5) })).toEqual({ posted: 0, skipped: 0 });
    expect(titled(5)).toHaveLength(0);
    // A live claim (not run out) is left to its sender.
    await addProposal(6);
    await database.db.insert(governancePosts).values({ proposal: id(6), channel: channel.id, status: 'sending', claimedAt: sql`now()`, attempts: 1 });
    expect(await postProposals(deps(), { proposal: id(6) })).toEqual({ posted: 0, skipped: 1 });
    expect(titled(6)).toHaveLength(0);
  });

  it('edits a post only when its standing changed, at most once per interval', async () => {
    const post = titled(1)[0]!;
    await new Promise((r) => setTimeout(r, 1600)); // the post itself counts as the last edit
    expect(await refreshPosts(deps(), { proposal: id(1) })).toEqual({ edited: 0, closed: 0 });
    expect(post.edits).toHaveLength(0);

    await database.db.update(hubProposals).set({ votes: 1, scores: [5, 0] }).where(eq(hubProposals.id, id(1)));
    expect(await refreshPosts(deps(), { proposal: id(1) })).toEqual({ edited: 1, closed: 0 });
    expect(post.embeds[0]!.fields!.find((f) => f.name === 'Choices')!.value).toBe('1. Yes — 5 votes (100 %)\n2. No — 0 votes (0 %)');

    await database.db.update(hubProposals).set({ votes: 2, scores: [5, 15] }).where(eq(hubProposals.id, id(1)));
    const waiting = await refreshPosts(deps(), { proposal: id(1) });
    expect(waiting.edited).toBe(0);
    expect(waiting.waitMs).toBeGreaterThan(1000);
    expect(waiting.waitMs).toBeLessThanOrEqual(1600);
    await database.db.update(hubProposals).set({ votes: 3, scores: [6, 15] }).where(eq(hubProposals.id, id(1)));
    expect(post.edits).toHaveLength(1);

    await new Promise((r) => setTimeout(r, waiting.waitMs!));
    expect(await refreshPosts(deps(), { proposal: id(1) })).toEqual({ edited: 1, closed: 0 });
    // Both later changes in one edit, with the chart redrawn.
    expect(post.edits).toEqual(['channel', 'channel']);
    expect(post.embeds[0]!.fields!.find((f) => f.name === 'Votes')!.value).toMatch(/^3 votes/);
    expect(post.files).toHaveLength(1);
    expect(post.components).toHaveLength(1);
  });

  it('closes a post once voting ended: no controls, and the result posted once', async () => {
    now += 7200;
    const first = await refreshPosts(deps(), { proposal: id(1) });
    expect(first.closed).toBe(1);
    expect(await refreshPosts(deps(), { proposal: id(1) })).toEqual({ edited: 0, closed: 0 });
    const post = titled(1)[0]!;
    expect(post.components).toHaveLength(0);
    expect(post.embeds[0]!.fields!.find((f) => f.name === 'Status')!.value).toMatch(/^Closed .* · no votes$/);
    expect(discord.messagesIn(channel.target.chatId).filter((m) => m.embeds[0]?.title === '🏁 Voting ended: Proposal 1')).toHaveLength(1);
  });
  it('a post whose message is gone holds up nothing and still gets its result; a deleted proposal says so', async () => {
    await addProposal(7);
    expect(await postProposals(deps(), { proposal: id(7) })).toEqual({ posted: 1, skipped: 0 });
    const post7 = titled(7)[0]!;
    // A moderator deleted proposal 4's post (its voting is over by now).
    const gone = (await postRow(4))!.messageId!;
    discord.messages.splice(discord.messages.findIndex((m) => m.id === gone), 1);
    await new Promise((r) => setTimeout(r, 1600));
    await database.db.update(hubProposals).set({ votes: 1, scores: [0, 2] }).where(eq(hubProposals.id, id(7)));
    expect(await refreshPosts(deps())).toEqual({ edited: 1, closed: 1 });
    expect(post7.embeds[0]!.fields!.find((f) => f.name === 'Choices')!.value).toBe('1. Yes — 0 votes (0 %)\n2. No — 2 votes (100 %)');
    expect(discord.messagesIn(channel.target.chatId).filter((m) => m.embeds[0]?.title === '🏁 Voting ended: Proposal 4')).toHaveLength(1);
    expect((await postRow(4))!.closedAt).not.toBeNull();

    await database.db.delete(hubProposals).where(eq(hubProposals.id, id(7)));
    expect(await refreshPosts(deps())).toEqual({ edited: 0, closed: 1 });
    expect(post7.embeds[0]!.title).toBe('🗑 Proposal deleted');
    expect(post7.components).toHaveLength(0);
    expect(await refreshPosts(deps())).toEqual({ edited: 0, closed: 0 });
  });
  it('posts to a web chat as text with the controls (no chart on the post, which the page cannot replace), and the result with its chart', async () => {
    const web: GovernanceChannel = { id: 'web:8c6e9a4e-2b1f-4c59-9a57-2b8f2b2b2b2b', target: { transport: 'web', chatId: '8c6e9a4e-2b1f-4c59-9a57-2b8f2b2b2b2b' } };
    const both = createOutboxRouter({ web: createWebOutbox({ db: database.db }), discord: createDiscordOutbox(createDiscordRest({ token: discord.token, apiRoot: discord.apiRoot })) });
    const webDeps = (): ChannelPostDeps => ({ ...deps(), outbox: both, channels: [web], proposalUrl: 'https://vote.example.org/#/{space}/proposal/{id}' });
    await addProposal(8, { type: 'approval', choices: ['USDC', 'DAI', 'ETH'], end: now + 600 });
    expect(await postProposals(webDeps())).toEqual({ posted: 1, skipped: 0 });
    const messages = () => database.db.select().from(webMessages).where(eq(webMessages.chatId, web.target.chatId));
    const [post] = await messages();
    expect(post!.text).toContain('🗳 Proposal 8');
    expect(post!.text).toContain(`https://vote.example.org/#/caravan.eth/proposal/${id(8)}`);
    expect(post!.text).toContain('1. USDC — 0 votes\n2. DAI — 0 votes\n3. ETH — 0 votes');
    expect(post!.imagePng).toBeNull();
    expect(post!.controls).toMatchObject({ rows: [{ select: { placeholder: 'Approve one or more', min: 1, max: 3 } }] });
    now += 1200;
    expect(await refreshPosts(webDeps())).toEqual({ edited: 0, closed: 1 });
    const after = await messages();
    expect(after).toHaveLength(2);
    expect(after[0]!.text).toContain('Closed');
    expect(after[0]!.controls).toBeNull();
    expect(after[1]!.text).toMatch(/^🏁 Voting ended: Proposal 8\nNobody voted\./);
    expect(after[1]!.imagePng!.subarray(1, 4).toString()).toBe('PNG');
  });
  it('shows a proposal its author changed before voting started with controls for its new choices', async () => {
    await addProposal(9, { start: now + 600, end: now + 4000 });
    expect(await postProposals(deps(), { proposal: id(9) })).toEqual({ posted: 1, skipped: 0 });
    const post = titled(9)[0]!;
    const labels = () => (post.components as unknown as Array<{ components: Array<{ label?: string }> }>).flatMap((r) => r.components.map((c) => c.label));
    expect(labels()).toEqual(['Yes', 'No']);
    expect(post.embeds[0]!.fields!.find((f) => f.name === 'Status')!.value).toMatch(/^Opens /);
    await new Promise((r) => setTimeout(r, 1600));
    await database.db.update(hubProposals).set({ choices: ['Yes', 'No', 'Later'], updated: now + 1 }).where(eq(hubProposals.id, id(9)));
    expect(await refreshPosts(deps(), { proposal: id(9) })).toEqual({ edited: 1, closed: 0 });
    expect(labels()).toEqual(['Yes', 'No', 'Later']);
    const stored = await postRow(9);
    expect(JSON.stringify(stored!.rows)).toContain('Later');
  });
});
