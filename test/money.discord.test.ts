import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, like } from 'drizzle-orm';
import { erc20Abi, type Address } from 'viem';
import { FakeDiscord, type FakeDiscordMessage, type FakeDiscordUser } from './fakes/fakeDiscord.ts';
import { startTestRuntime, type TestRuntime } from './helpers/testRuntime.ts';
import { writeTinyBase } from './helpers/tinyBase.ts';
import { webChat } from './helpers/webChat.ts';
import { revenuePoolAbi } from '../contracts/bindings/index.ts';
import { assets, identities, notifications, users } from '../platform/db/schema.ts';

const buttonOf = (m: FakeDiscordMessage, label: string): string => {
  for (const row of m.components as Array<{ components: Array<{ label?: string; custom_id?: string; type: number }> }>)
    for (const c of row.components) if (c.type === 2 && c.label?.includes(label) && c.custom_id) return c.custom_id;
  throw new Error(`No button “${label}” on: ${m.content}`);
};

/**
 * The money loop on Discord through the real discord.js client: a contributor uploads an open
 * dataset with /upload, a creator (in the web chat) sells an assistant built on it, a buyer funds
 * from /faucet and buys a 30-day license with buttons; the contributor gets one Discord DM with the
 * exact royalty and claims exactly that on-chain. When the contributor closes their DMs, the next
 * earning lands in their web inbox and is not retried.
 */
describe('money on Discord: buy with buttons, earnings DMs, claims, closed DMs', () => {
  const discord = new FakeDiscord();
  const base = writeTinyBase();
  let rt: TestRuntime;
  let assistantId: string;
  let usdc: Address;
  const contributor: FakeDiscordUser = { id: '81000000000000001', username: 'ada', global_name: 'Ada' };
  const buyer: FakeDiscordUser = { id: '81000000000000002', username: 'bob', global_name: 'Bob' };
  const buyer2: FakeDiscordUser = { id: '81000000000000003', username: 'cy', global_name: 'Cy' };

  beforeAll(async () => {
    await discord.start();
    rt = await startTestRuntime({
      DISCORD_TOKEN: discord.token,
      DISCORD_API_ROOT: discord.apiRoot,
      ENGINE_BASE_CHECKPOINT: base.file,
      ENGINE_FINETUNE_MIN_STEPS: '4',
      ENGINE_FINETUNE_MAX_STEPS: '4',
      ENGINE_SERVE_WORKERS: '1',
      ENGINE_TRAIN_WORKERS: '1',
      EARNINGS_DIGEST_WINDOW: '1s',
      INDEXER_INTERVAL: '500ms',
    });
    usdc = rt.chain.addresses.testStablecoin!;
  });
  afterAll(async () => {
    await rt?.close();
    await discord.stop();
    base.remove();
  });

  const custodialOf = async (user: FakeDiscordUser) => {
    const [row] = await rt.database.db
      .select({ address: users.custodialAddress })
      .from(identities)
      .innerJoin(users, eq(users.id, identities.userId))
      .where(and(eq(identities.platform, 'discord'), eq(identities.externalId, user.id)));
    return row!.address as Address;
  };
  const balance = (holder: Address) => rt.chain.publicClient.readContract({ address: usdc, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });

  async function buy(user: FakeDiscordUser) {
    const { channelId } = discord.slash(user, 'faucet');
    await discord.waitForMessage(channelId, (m) => m.content.startsWith('🚰 Sent 100 USDC'));
    discord.slash(user, 'buy', { options: { assistant: assistantId } });
    const card = await discord.waitForMessage(channelId, (m) => m.content.startsWith('🛒 Licenses for Bike Shop'));
    discord.click(user, card, buttonOf(card, '30-day license · 5 USDC'));
    const confirm = await discord.waitForMessage(channelId, (m) => m.content.startsWith('Pay 5 USDC from your balance (100 USDC)'));
    discord.click(user, confirm, buttonOf(confirm, 'Pay 5 USDC'));
    return discord.waitForMessage(channelId, (m) => m.content.startsWith('✅ License #'), 60_000);
  }

  it('sets the scene: an open dataset uploaded on Discord, a priced assistant built on it', async () => {
    const csv = Buffer.from('question,answer\nHow long is the warranty?,Two years on every frame.\nDo you fix flats?,Yes while you wait.\n');
    const { channelId } = discord.slash(contributor, 'upload', { file: { fileName: 'bikes.csv', bytes: csv, contentType: 'text/csv' } });
    const question = await discord.waitForMessage(channelId, (m) => m.content.startsWith('Who may build assistants on bikes.csv'));
    discord.click(contributor, question, buttonOf(question, 'Open'));
    const done = await discord.waitForMessage(channelId, (m) => m.content.startsWith('✅ Dataset'), 60_000);
    const datasetId = /Dataset (ds_[0-9a-z]{10})/.exec(done.content)![1]!;

    const creator = webChat(rt.url!);
    const form = await creator.say('/newassistant');
    const pick = await creator.submit(form, { name: 'Bike Shop', instructions: 'A bike shop assistant that answers from the FAQ.' });
    const vis = await creator.press(await creator.choose(pick, 'Pick datasets', [datasetId]), 'Continue');
    const confirm = await creator.submit(await creator.press(await creator.press(vis, 'Public'), 'Set prices'), { period: '5' });
    await creator.press(confirm, 'Create and train');
    assistantId = /\((as_[0-9a-z]{10})\)/.exec((await creator.waitFor((m) => /Bike Shop \(as_/.test(m.text))).text)![1]!;
    await creator.waitFor((m) => m.text.startsWith('🧾 Bike Shop is on-chain'), { timeoutMs: 90_000, what: 'registration' });
  });

  it('buys a 30-day license with buttons, and DMs the contributor the exact royalty once', async () => {
    const bought = await buy(buyer);
    expect(bought.content).toMatch(/✅ License #1 bought for 5 USDC: valid until/);
    const dm = await discord.waitForMessage(discord.dmChannelOf(contributor), (m) => m.content.startsWith('💰'), 30_000);
    // 5 USDC − 5 % fee = 4.75; 20 % of it is routed to the dataset the assistant was trained on.
    expect(dm.content).toBe('💰 You earned 0.95 USDC from *bikes.csv* (a royalty from an asset built on it) — /claim');
    const [datasetAsset] = await rt.database.db.select().from(assets).where(eq(assets.kind, 'dataset'));
    const claimable = await rt.chain.publicClient.readContract({
      address: rt.chain.addresses.revenuePool!,
      abi: revenuePoolAbi,
      functionName: 'claimable',
      args: [datasetAsset!.chainAssetId, usdc, await custodialOf(contributor)],
    });
    expect(claimable).toBe(950_000n);
    await new Promise((r) => setTimeout(r, 1500));
    expect(discord.messagesIn(discord.dmChannelOf(contributor)).filter((m) => m.content.startsWith('💰'))).toHaveLength(1);
  });

  it('claims exactly the royalty on-chain with /claim', async () => {
    const address = await custodialOf(contributor);
    const before = await balance(address);
    const { channelId } = discord.slash(contributor, 'claim');
    const done = await discord.waitForMessage(channelId, (m) => m.content.startsWith('✅ Claimed'), 60_000);
    expect(done.content).toContain('✅ Claimed 0.95 USDC to your custodial address');
    expect(await balance(address)).toBe(before + 950_000n);
  });

  it('keeps an earning for the web inbox when the contributor closes their DMs, without retrying it', async () => {
    discord.closeDms(contributor);
    const contributorUser = (await rt.database.db.select({ id: identities.userId }).from(identities).where(eq(identities.externalId, contributor.id)))[0]!.id;
    await buy(buyer2);
    const inboxed = await (async () => {
      for (let i = 0; i < 300; i++) {
        const rows = await rt.database.db
          .select()
          .from(notifications)
          .where(and(eq(notifications.userId, contributorUser), like(notifications.key, 'earn%'), eq(notifications.status, 'inbox')));
        if (rows.length) return rows;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('no earning reached the web inbox');
    })();
    expect(inboxed).toHaveLength(1);
    expect(inboxed[0]!.text).toBe('💰 You earned 0.95 USDC from *bikes.csv* (a royalty from an asset built on it) — /claim');
    await new Promise((r) => setTimeout(r, 2000));
    const [again] = await rt.database.db.select().from(notifications).where(eq(notifications.id, inboxed[0]!.id));
    expect(again).toMatchObject({ status: 'inbox', attempts: 1 });
  });
});
