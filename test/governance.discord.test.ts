import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet } from '@ethersproject/wallet';
import { eq, like } from 'drizzle-orm';
import { parseAbi, parseEther, toHex, type Address } from 'viem';
import { snapshotjs as snapshot } from '../governance/snapshotjs.ts';
import { chartBars } from '../governance/channel/renderResultsChart.ts';
import { formatShare } from '../governance/channel/renderResultsChart.ts';
import { voteNumber as formatVotes } from '../platform/messages/format.ts';
import { signerForAddress } from '../platform/chain/signerForAddress.ts';
import { governancePosts, hubProposals, hubVotes, notifications } from '../platform/db/schema.ts';
import { FakeDiscord, type FakeDiscordMessage, type FakeDiscordUser } from './fakes/fakeDiscord.ts';
import { countColour, decodePng } from './helpers/png.ts';
import { eventually, startTestRuntime, type TestRuntime } from './helpers/testRuntime.ts';

type Row = { components: Array<{ type: number; label?: string; custom_id?: string; placeholder?: string }> };
const buttonOf = (m: FakeDiscordMessage, label: string): string => {
  for (const row of m.components as unknown as Row[]) for (const c of row.components) if (c.type === 2 && c.label === label && c.custom_id) return c.custom_id;
  throw new Error(`No button “${label}” on: ${m.embeds[0]?.title ?? m.content}`);
};
const selectOf = (m: FakeDiscordMessage): string => {
  for (const row of m.components as unknown as Row[]) for (const c of row.components) if (c.type === 3 && c.custom_id) return c.custom_id;
  throw new Error(`No select on: ${m.embeds[0]?.title ?? m.content}`);
};
const field = (m: FakeDiscordMessage, name: string) => m.embeds[0]?.fields?.find((f) => f.name === name)?.value ?? '';
const tokenAbi = parseAbi(['function transfer(address to, uint256 amount) returns (bool)', 'function delegate(address delegatee)']);
const EDIT_INTERVAL_MS = 3000;

/**
 * Proposals posted to a governance channel on Discord, through the real discord.js client: a
 * proposal started with /proposal new and one posted by Snapshot's own client (`Client712`) to
 * /hub are each posted once to the configured channel as an embed with the vote controls of
 * their type and a results chart; people vote with the post's buttons and select; a burst of
 * votes gives few edits (at most one per GOVERNANCE_POST_EDIT_INTERVAL), and the post's standing
 * and chart equal the hub's scores; when voting ends (the hub's clock moved past the end) the
 * post closes and the final result, equal to snapshot.js's recount of the stored votes, is posted
 * once; a restart posts nothing again.
 */
describe('governance channel on Discord: posts, votes with their buttons, charts, results', () => {
  const discord = new FakeDiscord();
  let rt: TestRuntime;
  let offset = 0;
  let gov: string;
  const cmd = discord.guildChannel();
  const voters: FakeDiscordUser[] = [
    { id: '82000000000000001', username: 'ada', global_name: 'Ada' },
    { id: '82000000000000002', username: 'bo', global_name: 'Bo' },
    { id: '82000000000000003', username: 'cy', global_name: 'Cy' },
    { id: '82000000000000004', username: 'di', global_name: 'Di' },
  ];
  const tokens = [100n, 250n, 40n, 7n];
  const author = Wallet.createRandom();
  let chatPost: FakeDiscordMessage;
  let hubPost: FakeDiscordMessage;
  let chatProposal: string;
  let hubProposal: string;

  beforeAll(async () => {
    await discord.start();
    gov = discord.guildChannel().channelId;
    rt = await startTestRuntime(
      {
        ENGINE: '0',
        DISCORD_TOKEN: discord.token,
        DISCORD_API_ROOT: discord.apiRoot,
        GOVERNANCE_CHANNELS: `discord:${gov}`,
        GOVERNANCE_POST_EDIT_INTERVAL: `${EDIT_INTERVAL_MS}ms`,
        GOVERNANCE_SWEEP_INTERVAL: '1s',
      },
      { clock: () => Date.now() / 1000 + offset },
    );
    await eventually(async () => discord.commands.length > 0, 15_000, 'slash commands');
    // Each voter meets the bot (a custodial wallet is made), then holds delegated governance tokens.
    for (const [i, v] of voters.entries()) {
      const seen = new Set(discord.messagesIn(cmd.channelId).map((m) => m.id));
      const { channelId } = discord.slash(v, 'vp', { where: cmd });
      const vp = await discord.waitForMessage(channelId, (m) => !seen.has(m.id) && m.content.startsWith('🗳 Your voting power'));
      const address = /held by (0x[0-9a-fA-F]{40})/.exec(vp.content)![1] as Address;
      await rt.chain.publicClient.request({ method: 'anvil_setBalance' as never, params: [address, toHex(parseEther('1'))] as never });
      const sent = await rt.chain.walletClient.writeContract({ address: rt.chain.addresses.token!, abi: tokenAbi, functionName: 'transfer', args: [address, parseEther(String(tokens[i]))], account: rt.chain.account, chain: rt.chain.walletClient.chain });
      await rt.chain.publicClient.waitForTransactionReceipt({ hash: sent });
      const account = (await signerForAddress({ db: rt.database.db, masterKey: rt.money.masterKey }, address))!;
      const delegated = await rt.chain.walletClient.writeContract({ address: rt.chain.addresses.token!, abi: tokenAbi, functionName: 'delegate', args: [address], account, chain: rt.chain.walletClient.chain });
      await rt.chain.publicClient.waitForTransactionReceipt({ hash: delegated });
    }
  }, 120_000);
  afterAll(async () => {
    await rt?.close();
    await discord.stop();
  });

  const posts = () => discord.messagesIn(gov).filter((m) => m.embeds[0]?.title?.startsWith('🗳'));
  const postOf = (title: string) => posts().filter((m) => m.embeds[0]!.title === `🗳 ${title}`);
  const results = (title: string) => discord.messagesIn(gov).filter((m) => m.embeds[0]?.title === `🏁 Voting ended: ${title}`);
  const proposalRow = async (id: string) => (await rt.database.db.select().from(hubProposals).where(eq(hubProposals.id, id)))[0]!;
  /** The scores snapshot.js computes from the stored votes. */
  const recount = async (id: string) => {
    const p = await proposalRow(id);
    const votes = await rt.database.db.select().from(hubVotes).where(eq(hubVotes.proposal, id));
    const Voting = snapshot.utils.voting[p.type as keyof typeof snapshot.utils.voting] as unknown as new (proposal: unknown, votes: unknown[], strategies: unknown[]) => { getScores(): number[] };
    return new Voting({ choices: p.choices }, votes.map((v) => ({ choice: v.choice, balance: Number(v.vp), scores: v.vpByStrategy })), p.strategies).getScores();
  };
  const choiceLines = (choices: string[], scores: number[]) => {
    const total = scores.reduce((a, b) => a + b, 0);
    return choices.map((c, i) => `${i + 1}. ${c} — ${formatVotes(scores[i]!)} votes${total > 0 ? ` (${formatShare(scores[i]! / total)})` : ''}`).join('\n');
  };
  /** The post's chart shows `scores`: each bar's coloured run is as wide as the renderer draws that share. */
  const expectChart = (m: FakeDiscordMessage, p: { title: string; choices: string[]; votes: number }, scores: number[], state: 'open' | 'closed') => {
    expect(m.files).toHaveLength(1);
    expect(m.embeds[0]!.image?.url).toBe(`attachment://${m.files[0]!.fileName}`);
    const img = decodePng(m.files[0]!.bytes);
    expect(img.width).toBe(800);
    const bars = chartBars({ ...p, scores, state });
    for (const b of bars) {
      const y = b.y + Math.floor(b.height / 2);
      expect(Math.abs(countColour(img, y, b.color) - b.width), `bar of ${b.label}`).toBeLessThanOrEqual(2);
    }
  };

  it('posts a proposal made in the chat and one sent by a Snapshot client to /hub, once each, with their controls', async () => {
    discord.slash(voters[0]!, 'proposal', { where: cmd });
    const modal = await discord.waitForModal((m) => m.title === 'New proposal' && m.userId === voters[0]!.id);
    discord.submitModal(voters[0]!, modal, { title: 'Lower the platform fee to 4 %', choices: 'Yes\nNo', body: 'The fee pays for gas.', type: 'single-choice', duration: '2h' }, { where: cmd });
    const created = await discord.waitForMessage(cmd.channelId, (m) => m.content.startsWith('✅ Proposal created'));
    const short = /id (0x[0-9a-f]{8})…/.exec(created.content)![1]!;
    chatProposal = (await rt.database.db.select().from(hubProposals).where(like(hubProposals.id, `${short}%`)))[0]!.id;

    const client = new snapshot.Client712(`${rt.url!.replace('localhost', '127.0.0.1')}/hub`);
    const block = Number(await rt.chain.publicClient.getBlockNumber({ cacheTime: 0 }));
    const now = Math.floor(Date.now() / 1000);
    const made = (await client.proposal(author, author.address, {
      space: 'caravan.eth',
      type: 'approval',
      title: 'Which currencies to accept',
      body: 'Posted by a Snapshot client.',
      discussion: 'https://forum.example.org/t/currencies',
      choices: ['USDC', 'DAI', 'ETH'],
      labels: [],
      start: now - 5,
      end: now + 3 * 3600,
      snapshot: block,
      plugins: '{}',
      app: 'snapshot',
    } as never)) as { id: string };
    hubProposal = made.id;

    chatPost = await discord.waitForMessage(gov, (m) => m.embeds[0]?.title === '🗳 Lower the platform fee to 4 %', 20_000);
    hubPost = await discord.waitForMessage(gov, (m) => m.embeds[0]?.title === '🗳 Which currencies to accept', 20_000);
    expect(chatPost.via).toBe('channel');
    expect(field(chatPost, 'Status')).toMatch(/^Open until \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(field(chatPost, 'Voting')).toBe('single-choice (one choice)');
    expect(field(chatPost, 'Choices')).toBe('1. Yes — 0 votes\n2. No — 0 votes');
    expect(chatPost.embeds[0]!.description).toBe('The fee pays for gas.');
    expect(chatPost.embeds[0]!.footer?.text).toContain(chatProposal);
    expect(buttonOf(chatPost, 'Yes')).toBeTruthy();
    expect(buttonOf(chatPost, 'No')).toBeTruthy();
    expectChart(chatPost, { title: 'Lower the platform fee to 4 %', choices: ['Yes', 'No'], votes: 0 }, [0, 0], 'open');
    // The Snapshot client's proposal: an approval vote is a multi-select; its discussion is the link.
    expect(hubPost.embeds[0]!.url).toBe('https://forum.example.org/t/currencies');
    expect(hubPost.components).toHaveLength(1);
    expect(selectOf(hubPost)).toBeTruthy();

    // Sweeps keep running: still one post each, and the table remembers each message.
    await new Promise((r) => setTimeout(r, 2500));
    expect(postOf('Lower the platform fee to 4 %')).toHaveLength(1);
    expect(postOf('Which currencies to accept')).toHaveLength(1);
    const rows = await rt.database.db.select().from(governancePosts);
    expect(rows.map((r) => [r.proposal, r.channel, r.status, r.messageId]).sort()).toEqual(
      [
        [chatProposal, `discord:${gov}`, 'posted', chatPost.id],
        [hubProposal, `discord:${gov}`, 'posted', hubPost.id],
      ].sort(),
    );
  }, 60_000);

  it('takes votes from the post’s buttons; a burst gives few edits, and the post shows the hub’s scores', async () => {
    const editsBefore = chatPost.edits.length;
    const receipts = () => discord.messagesIn(gov).filter((m) => m.ephemeral && m.content.startsWith('✅ Your vote is in')).length;
    const started = Date.now();
    // Four people vote and two change their minds: six votes in a burst.
    const presses: Array<[FakeDiscordUser, string]> = [
      [voters[0]!, 'Yes'], [voters[1]!, 'No'], [voters[2]!, 'Yes'], [voters[3]!, 'No'], [voters[1]!, 'Yes'], [voters[3]!, 'Yes'],
    ];
    for (const [i, [user, label]] of presses.entries()) {
      discord.click(user, chatPost, buttonOf(chatPost, label));
      // A person's second vote goes after their first is in (a new press, not a double click).
      await eventually(async () => receipts() >= i + 1, 20_000, `vote receipt ${i + 1}`).catch((err: Error) => {
        throw new Error(`${err.message}: ${discord.messagesIn(gov).filter((m) => m.ephemeral).map((m) => m.content).join(' | ')}`);
      });
    }
    const burstMs = Date.now() - started;
    const votes = await rt.database.db.select().from(hubVotes).where(eq(hubVotes.proposal, chatProposal));
    expect(votes).toHaveLength(4);
    expect(votes.every((v) => v.choice === 1)).toBe(true);

    // The post catches up with the hub's count.
    const hub = await eventually(async () => {
      const p = await proposalRow(chatProposal);
      return p.votes === 4 && field(chatPost, 'Votes').startsWith('4 votes') && field(chatPost, 'Choices') === choiceLines(p.choices, p.scores) ? p : undefined;
    }, 30_000, 'the post to show the four votes');
    expect(hub.scores).toEqual(await recount(chatProposal));
    expect(hub.scores[0]).toBeCloseTo(Number(tokens.reduce((a, b) => a + b, 0n)), 6);
    expectChart(chatPost, { title: 'Lower the platform fee to 4 %', choices: ['Yes', 'No'], votes: 4 }, hub.scores, 'open');
    // Debounced: at most one edit per interval while the burst lasted (plus the one after it).
    await new Promise((r) => setTimeout(r, EDIT_INTERVAL_MS + 1500));
    const edits = chatPost.edits.length - editsBefore;
    expect(edits).toBeGreaterThanOrEqual(1);
    expect(edits).toBeLessThanOrEqual(Math.ceil(burstMs / EDIT_INTERVAL_MS) + 1);
    expect(edits).toBeLessThan(presses.length);

    // The approval proposal: two voters pick from the post's multi-select.
    discord.select(voters[0]!, hubPost, selectOf(hubPost), ['1', '3']);
    await eventually(async () => receipts() >= presses.length + 1, 20_000, 'approval vote');
    discord.select(voters[1]!, hubPost, selectOf(hubPost), ['2']);
    await eventually(async () => receipts() >= presses.length + 2, 20_000, 'approval vote');
    await eventually(async () => {
      const p = await proposalRow(hubProposal);
      return p.votes === 2 && field(hubPost, 'Choices') === choiceLines(p.choices, p.scores) ? p : undefined;
    }, 30_000, 'the approval post to show both votes');
  }, 90_000);

  it('closes the posts when voting ends and posts each final result once, equal to snapshot.js’s recount', async () => {
    offset = 4 * 3600; // the hub's clock moves past both proposals' end
    for (const [title, id, post, choices] of [
      ['Lower the platform fee to 4 %', chatProposal, () => chatPost, ['Yes', 'No']],
      ['Which currencies to accept', hubProposal, () => hubPost, ['USDC', 'DAI', 'ETH']],
    ] as const) {
      const result = await discord.waitForMessage(gov, (m) => m.embeds[0]?.title === `🏁 Voting ended: ${title}`, 30_000);
      const scores = await recount(id);
      const p = await proposalRow(id);
      expect(p.scores).toEqual(scores);
      expect(p.scoresState).toBe('final');
      const best = Math.max(...scores);
      expect(result.embeds[0]!.description).toBe(`Result: ${choices.filter((_, i) => scores[i] === best).join(' and ')}`);
      expect(field(result, 'Choices')).toBe(choiceLines([...choices], scores));
      expect(field(result, 'Votes')).toBe(`${p.votes} votes, counted with Snapshot's ${p.type} rules`);
      expect(result.files).toHaveLength(1);
      expect(result.embeds[0]!.image?.url).toBe(`attachment://${result.files[0]!.fileName}`);
      const img = decodePng(result.files[0]!.bytes);
      for (const b of chartBars({ title, choices, scores, state: 'closed', votes: p.votes })) {
        expect(Math.abs(countColour(img, b.y + Math.floor(b.height / 2), b.color) - b.width)).toBeLessThanOrEqual(2);
      }
      // The post itself: closed, no controls left, the final chart.
      await eventually(async () => field(post(), 'Status').startsWith('Closed') && post().components.length === 0, 20_000, 'the post to close');
      expect(field(post(), 'Choices')).toBe(choiceLines([...choices], scores));
      expectChart(post(), { title, choices: [...choices], votes: p.votes }, scores, 'closed');
    }
    await new Promise((r) => setTimeout(r, 3000));
    expect(results('Lower the platform fee to 4 %')).toHaveLength(1);
    expect(results('Which currencies to accept')).toHaveLength(1);
    const sent = await rt.database.db.select().from(notifications).where(like(notifications.key, 'gov-result:%'));
    expect(sent.map((n) => n.status)).toEqual(['sent', 'sent']);
  }, 90_000);

  it('posts nothing again after a restart', async () => {
    const before = discord.messagesIn(gov).filter((m) => !m.ephemeral).length;
    const repeats = discord.nonceRepeats;
    const edits = [chatPost.edits.length, hubPost.edits.length];
    rt = await rt.restart();
    await eventually(async () => discord.connected, 15_000, 'the bot to reconnect');
    await new Promise((r) => setTimeout(r, 4000)); // several sweeps
    expect(discord.messagesIn(gov).filter((m) => !m.ephemeral).length).toBe(before);
    expect(discord.nonceRepeats).toBe(repeats);
    expect([chatPost.edits.length, hubPost.edits.length]).toEqual(edits);
    expect(postOf('Lower the platform fee to 4 %')).toHaveLength(1);
    expect(results('Which currencies to accept')).toHaveLength(1);
  }, 60_000);
});
