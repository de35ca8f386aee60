import path from 'node:path';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import type { Hex } from 'viem';
import { assetRegistryAbi, receiptsAbi } from '../contracts/bindings/index.ts';
import { chatComponents } from '../platform/db/schema.ts';
import { FakeDiscord, type FakeDiscordMessage, type FakeDiscordUser } from './fakes/fakeDiscord.ts';
import { FakeTelegram, type BotMessage, type FakeUser } from './fakes/fakeTelegram.ts';
import { eventually, startTestRuntime, type TestRuntime } from './helpers/testRuntime.ts';

/** Runs `caravan validators …` as an operator would, against this test's database and home. */
function cli(rt: TestRuntime, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/caravan.ts', 'validators', ...args], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env: { ...process.env, DATABASE_URL: rt.databaseUrl, CARAVAN_HOME: rt.home, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

const buttonOf = (m: FakeDiscordMessage, label: string): string => {
  for (const row of m.components as Array<{ components: Array<{ label?: string; custom_id?: string }> }>)
    for (const c of row.components) if (c.label?.includes(label) && c.custom_id) return c.custom_id;
  throw new Error(`No button “${label}” on: ${m.content}\n${JSON.stringify(m.components)}`);
};
const telegramButton = (m: BotMessage, label: string) => m.markup!.flat().find((b) => b.text.includes(label))!.callback_data!;

/**
 * Validator review with quorum, end to end through the real grammY and discord.js clients: a
 * contributor uploads on Telegram; validators appointed with the CLI review on Discord (one in a
 * server channel, one in a DM) across a restart; receipts — the contributor's and the
 * reviewers' — are checked on-chain; a rejection reaches the contributor with its reason; every
 * way to press what one should not is refused clearly.
 */
describe('validator review with quorum', () => {
  const telegram = new FakeTelegram();
  const discord = new FakeDiscord();
  let rt: TestRuntime;
  const snowflake = () => String(BigInt(Date.now()) * 4_194_304n + BigInt(crypto.randomInt(1_000_000)));
  const V1: FakeDiscordUser = { id: snowflake(), username: 'ada', global_name: 'Ada' };
  const V2: FakeDiscordUser = { id: snowflake(), username: 'bo', global_name: 'Bo' };
  const N: FakeDiscordUser = { id: snowflake(), username: 'nobody', global_name: 'Nobody' };
  const C: FakeUser = { id: 51_001, first_name: 'Carla' };
  const V3: FakeUser = { id: 51_002, first_name: 'Vera' };

  beforeAll(async () => {
    await Promise.all([telegram.start(), discord.start()]);
    rt = await startTestRuntime({
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      DISCORD_TOKEN: discord.token,
      DISCORD_API_ROOT: discord.apiRoot,
      REVIEW_QUORUM: '2',
      REVIEW_TIMEOUT: '6s',
      REVIEWER_SHARE_BPS: '100',
      ENGINE: '0',
    });
    for (const v of [V1, V2, N]) discord.dmChannelOf(v);
    await eventually(async () => discord.commands.length > 0, 10_000, 'slash commands registered');
  });
  afterAll(async () => {
    await rt?.close();
    await Promise.all([telegram.stop(), discord.stop()]);
  });

  /** Uploads on Telegram as C, answers the access question, and returns the progress message. */
  async function contribute(user: FakeUser, fileName: string, content: string): Promise<BotMessage> {
    telegram.sendDocument(user, { fileName, bytes: Buffer.from(content) });
    const question = await telegram.waitForMessage(user.id, (m) => m.text.startsWith(`Who may build assistants on ${fileName}`));
    await telegram.waitForCallbackAnswer(telegram.pressButton(user, question, telegramButton(question, 'Open')));
    return telegram.waitForMessage(user.id, (m) => m.text.startsWith(`📥 ${fileName}`) && m.text.includes('validator approval'));
  }
  const cardIn = (user: FakeDiscordUser, publicId: string) =>
    discord.waitForMessage(discord.dmChannelOf(user), (m) => m.content.startsWith(`🔍 Review ${publicId}`));

  let first: { publicId: string; progress: BotMessage };

  it('lets the operator appoint validators with the CLI, refusing what is not a chat account', async () => {
    expect(await cli(rt, ['add', `discord:${V1.id}`])).toMatchObject({ code: 0, out: `discord:${V1.id} is now a validator.\n` });
    expect((await cli(rt, ['add', `discord:${V2.id}`])).code).toBe(0);
    expect((await cli(rt, ['add', `discord:${V2.id}`])).out).toContain('was already a validator');
    const list = await cli(rt, ['list']);
    expect(list.out).toContain(`discord:${V1.id}`);
    expect(list.out).toContain(`discord:${V2.id}`);
    const bad = await cli(rt, ['add', 'discord:alice']);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('“alice” is not a discord user id.');
    expect((await cli(rt, ['remove', `discord:${N.id}`])).out).toContain('is not a validator');
  });

  it('holds a Telegram upload for two approvals and sends each offered validator a card in their DM', async () => {
    const csv = 'name,email,note\nAda,ada@example.com,first\nBo,,second\nCy,,third\nDee,,fourth\n';
    const progress = await contribute(C, 'crew.csv', csv);
    expect(progress.text).toContain('waiting for 2 validator approvals (0/2)');
    const card = await cardIn(V1, 'ds_');
    const publicId = /Review (ds_[0-9a-z]{10})/.exec(card.content)![1]!;
    first = { publicId, progress };
    expect(card.content).toContain('crew.csv');
    expect(card.content).toContain('Columns:');
    expect(card.content).toMatch(/email — text, filled in 1 of 4 rows/);
    expect(card.content).toMatch(/⚠️ .*e-mail/);
    expect(card.content).toContain('Sample rows (shown to you only):');
    expect(card.content).not.toContain('ada@example.com');
    expect(card.content).toContain('Approvals: 0/2');
    expect(buttonOf(card, 'Approve')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    await cardIn(V2, publicId);
  });

  it('refuses clearly: someone who is not a validator, and a press on someone else’s card', async () => {
    discord.slash(N, 'review');
    const refusal = await discord.waitForMessage(discord.dmChannelOf(N), (m) => m.content.startsWith('⚠️'));
    expect(refusal.content).toBe('⚠️ Only validators can review datasets.');
    // Discord shows V1's card to V1 alone; a client that sends its button id anyway is refused by the bot.
    const card = await cardIn(V1, first.publicId);
    const where = discord.guildChannel();
    discord.clickRaw(N, { channelId: where.channelId, messageId: card.id, customId: buttonOf(card, 'Approve') }, { where });
    const notYours = await discord.waitForMessage(where.channelId, (m) => m.content.includes('not yours'));
    expect(notYours.content).toBe('⚠️ This is not yours: only the person it was shown to can use it.');
    expect(notYours.ephemeral).toBe(true);
  });

  it('takes the first approval in a server channel through /review; a double click acts once', async () => {
    const where = discord.guildChannel();
    discord.slash(V1, 'review', { where });
    const list = await discord.waitForMessage(where.channelId, (m) => m.content.startsWith('🔍 1 dataset waits'));
    expect(list.ephemeral).toBe(true);
    discord.click(V1, list, buttonOf(list, first.publicId), { where });
    const card = await discord.waitForMessage(where.channelId, (m) => m.content.startsWith(`🔍 Review ${first.publicId}`));
    expect(card.ephemeral).toBe(true);
    const approve = buttonOf(card, 'Approve');
    discord.click(V1, card, approve, { where });
    const done = await discord.waitForMessage(where.channelId, (m) => m.id === card.id && m.content.startsWith('✅ You approved'));
    expect(done.content).toContain('(1 of 2 approvals so far)');
    expect(done.components).toEqual([]);
    // The second click of a double click, and a vote through the other card, are refused.
    discord.clickRaw(V1, { channelId: where.channelId, messageId: card.id, customId: approve }, { where });
    await discord.waitForMessage(where.channelId, (m) => m.content === '⚠️ This was already done.');
    const dmCard = await cardIn(V1, first.publicId);
    discord.click(V1, dmCard, buttonOf(dmCard, 'Approve'));
    await discord.waitForMessage(dmCard.channel_id, (m) => m.content === `⚠️ You already approved ${first.publicId}.`);
    await telegram.waitForMessage(C.id, (m) => m.message_id === first.progress.message_id && m.text.includes('1/2 validator approvals'));
  });

  it('keeps the buttons working across a restart; the second approval mints the receipts, shares read from the chain', async () => {
    rt = await rt.restart();
    await eventually(async () => discord.connected, 10_000, 'the bot back on the gateway');
    const card = await cardIn(V2, first.publicId);
    discord.click(V2, card, buttonOf(card, 'Approve'));
    const done = await discord.waitForMessage(card.channel_id, (m) => m.id === card.id && m.content.startsWith('✅ You approved'));
    expect(done.content).toContain('That was approval 2 of 2: it is accepted');

    const accepted = await telegram.waitForMessage(C.id, (m) => m.text.startsWith(`✅ Dataset ${first.publicId} accepted`), 30_000);
    expect(accepted.message_id).toBe(first.progress.message_id);
    expect(accepted.text).toContain('Approved by 2 validators.');
    expect(accepted.text).toContain('98.00 % of the asset');
    const receiptId = BigInt(/Receipt #(\d+)/.exec(accepted.text)![1]!);
    const sha = /sha256: (0x[0-9a-f]{64})/.exec(accepted.text)![1] as Hex;

    const thanks = await Promise.all([V1, V2].map((v) => discord.waitForMessage(discord.dmChannelOf(v), (m) => m.content.startsWith('🧾 Thank you for reviewing crew.csv'))));
    const { publicClient, addresses } = rt.chain;
    const assetId = await publicClient.readContract({ address: addresses.assetRegistry, abi: assetRegistryAbi, functionName: 'assetIdByHash', args: [sha] });
    expect(await publicClient.readContract({ address: addresses.receipts, abi: receiptsAbi, functionName: 'totalShares', args: [assetId] })).toBe(1_000_000n);
    expect((await publicClient.readContract({ address: addresses.receipts, abi: receiptsAbi, functionName: 'receiptInfo', args: [receiptId] }))[1]).toBe(980_000n);
    for (const [i, v] of [V1, V2].entries()) {
      expect(thanks[i]!.content).toContain('holds 1.00 % of asset');
      const reviewerReceipt = BigInt(/reviewer receipt #(\d+)/.exec(thanks[i]!.content)![1]!);
      const [receiptAsset, shares] = await publicClient.readContract({ address: addresses.receipts, abi: receiptsAbi, functionName: 'receiptInfo', args: [reviewerReceipt] });
      expect(receiptAsset).toBe(assetId);
      expect(shares).toBe(10_000n);
      const holder = await publicClient.readContract({ address: addresses.receipts, abi: receiptsAbi, functionName: 'ownerOf', args: [reviewerReceipt] });
      const [row] = await rt.database.db.execute<{ custodial_address: string }>(
        sql`select u.custodial_address from users u join identities i on i.user_id = u.id where i.platform = 'discord' and i.external_id = ${v.id}`,
      ).then((r) => r.rows);
      expect(holder).toBe(row!.custodial_address);
    }
  });

  it('sends a rejection with its reason, given in a form, back to the contributor; later votes are told the review is over', async () => {
    const progress = await contribute(C, 'leaky.csv', 'customer,email\nAda,ada@example.com\nBo,bo@example.org\n');
    const leaky = await discord.waitForMessage(discord.dmChannelOf(V1), (m) => m.content.startsWith('🔍 Review ds_') && m.content.includes('leaky.csv'));
    const publicId = /Review (ds_[0-9a-z]{10})/.exec(leaky.content)![1]!;
    const { interactionId } = discord.click(V1, leaky, buttonOf(leaky, 'Reject'));
    const form = await discord.waitForModal((m) => m.interactionId === interactionId);
    expect(form.title).toBe('Reject with a reason');
    const reason = 'Both rows hold customers’ e-mail addresses.';
    discord.submitModal(V1, form, { reason });
    await discord.waitForMessage(leaky.channel_id, (m) => m.id === leaky.id && m.content.startsWith(`❌ You rejected leaky.csv (${publicId})`));
    const declined = await telegram.waitForMessage(C.id, (m) => m.text.startsWith('❌ leaky.csv'));
    expect(declined.text).toBe(`❌ leaky.csv (${publicId}) was declined in review.\nReason: ${reason}\n\nNo receipt was minted. You can fix the data and send it again.`);
    // The upload's progress message becomes the verdict.
    expect(declined.message_id).toBe(progress.message_id);

    const other = await cardIn(V2, publicId);
    discord.click(V2, other, buttonOf(other, 'Approve'));
    await discord.waitForMessage(other.channel_id, (m) => m.content === `⚠️ The review of ${publicId} is over: it was declined.`);
    const sha = `0x${crypto.createHash('sha256').update('customer,email\nAda,ada@example.com\nBo,bo@example.org\n').digest('hex')}` as Hex;
    expect(await rt.chain.publicClient.readContract({ address: rt.chain.addresses.assetRegistry, abi: assetRegistryAbi, functionName: 'assetIdByHash', args: [sha] })).toBe(0n);
  });

  it('offers a review not done in time to another validator, never to its contributor; an expired card is refused', async () => {
    expect((await cli(rt, ['add', `telegram:${V3.id}`])).code).toBe(0);
    // V3's own upload is never offered to V3 — the others review it.
    await contribute(V3, 'vera.txt', 'notes from the trail\nwater at the oasis\n');
    const own = /Review (ds_[0-9a-z]{10})/.exec((await discord.waitForMessage(discord.dmChannelOf(V1), (m) => m.content.includes('vera.txt'))).content)![1]!;

    // A third dataset: two validators are offered it first (the least busy), the third after REVIEW_TIMEOUT.
    await contribute(C, 'route.md', '# Route\n\nTwo days east of the salt flats.\n');
    // V3 has reviewed nothing yet, so V3 is offered it first, with the earliest appointed of the others.
    const routeCard = await telegram.waitForMessage(V3.id, (m) => m.text.startsWith('🔍 Review ds_') && m.text.includes('route.md'), 20_000);
    const routeId = /Review (ds_[0-9a-z]{10})/.exec(routeCard.text)![1]!;
    await cardIn(V1, routeId);
    const offeredAt = Date.now();
    expect(discord.messagesIn(discord.dmChannelOf(V2)).some((m) => m.content.startsWith(`🔍 Review ${routeId}`))).toBe(false);
    // Nobody acts within REVIEW_TIMEOUT (6 s): the review is offered to the validator left.
    await cardIn(V2, routeId);
    expect(Date.now() - offeredAt).toBeGreaterThan(3000);
    expect(telegram.messagesTo(V3.id).some((m) => m.text.startsWith(`🔍 Review ${own}`))).toBe(false);

    // Past its time, a card's buttons answer that they expired, and nothing is recorded.
    const approve = telegramButton(routeCard, 'Approve');
    await rt.database.db.update(chatComponents).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(chatComponents.id, approve.slice(0, 22)));
    const answer = await telegram.waitForCallbackAnswer(telegram.pressButton(V3, routeCard, approve));
    expect(answer).toMatchObject({ text: '⚠️ This has expired. Run the command again to get a fresh one.', show_alert: true });
    const votes = await rt.database.db.execute<{ n: number }>(sql`select count(*)::int n from reviews r join datasets d on d.id = r.dataset_id where d.public_id = ${routeId}`);
    expect(votes.rows[0]!.n).toBe(0);
  });
});
