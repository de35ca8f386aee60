import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { erc20Abi, type Address } from 'viem';
import { eventually, startTestRuntime, type TestRuntime } from './helpers/testRuntime.ts';
import { writeTinyBase } from './helpers/tinyBase.ts';
import { webChat, type WebChat } from './helpers/webChat.ts';
import { licensesAbi, revenuePoolAbi } from '../contracts/bindings/index.ts';
import { useFaucet } from '../platform/money/useFaucet.ts';
import { NotDevChainError } from '../platform/money/errors.ts';
import { remindExpiringLicenses } from '../platform/money/remindExpiringLicenses.ts';
import { assets, earnings, licenses, notifications } from '../platform/db/schema.ts';
import { derivedClaimable } from '../platform/indexer/derivedClaimable.ts';
import { createJobsPort } from '../jobs/createJobsPort.ts';

/**
 * The money loop in the web chat on real anvil: a contributor's open dataset, a creator's priced
 * assistant trained on it, a buyer who funds from the faucet, gets one free question, buys a
 * 30-day license with the confirmed price as `maxPrice`, then chats; the creator and the
 * contributor see their earnings read from the chain and claim them. Also: too little balance,
 * a price raised between the card and the payment, and the faucet off the dev chain.
 */
describe('money: faucet, licenses, earnings and claims in the web chat', () => {
  let rt: TestRuntime;
  const base = writeTinyBase();
  let contributor: WebChat;
  let creator: WebChat;
  let buyer: WebChat;
  let assistantId: string;
  let usdc: Address;

  beforeAll(async () => {
    rt = await startTestRuntime({
      ENGINE_BASE_CHECKPOINT: base.file,
      ENGINE_FINETUNE_MIN_STEPS: '4',
      ENGINE_FINETUNE_MAX_STEPS: '4',
      ENGINE_SERVE_WORKERS: '1',
      ENGINE_TRAIN_WORKERS: '1',
      FREE_QUESTIONS: '1',
      EARNINGS_DIGEST_WINDOW: '1s',
      INDEXER_INTERVAL: '500ms',
    },
    // The chain's clock is moved a month forward: other test files must not see it.
    { privateChain: true });
    contributor = webChat(rt.url!);
    creator = webChat(rt.url!);
    buyer = webChat(rt.url!);
    usdc = rt.chain.addresses.testStablecoin!;
  });
  afterAll(async () => {
    await rt?.close();
    base.remove();
  });

  const balance = (holder: string) =>
    rt.chain.publicClient.readContract({ address: usdc, abi: erc20Abi, functionName: 'balanceOf', args: [holder as Address] });
  const custodialOf = async (c: WebChat) => /custodial address \(chain \d+\): (0x[0-9a-fA-F]{40})/.exec((await c.say('/wallet')).text)![1]! as Address;

  it('builds a priced assistant on an open dataset of someone else', async () => {
    expect((await contributor.upload('bikes.csv', 'question,answer\nHow long is the warranty?,Two years on every frame.\nDo you fix flats?,Yes: a flat is fixed while you wait.\n')).status).toBe(202);
    await contributor.press(await contributor.waitFor((m) => m.text.startsWith('Who may build assistants on bikes.csv')), 'Open');
    const done = await contributor.waitFor((m) => m.text.startsWith('✅ Dataset'), { timeoutMs: 30_000, what: 'receipt' });
    const datasetId = /Dataset (ds_[0-9a-z]{10})/.exec(done.text)![1]!;

    const form = await creator.say('/newassistant');
    const pick = await creator.submit(form, { name: 'Bike Shop', instructions: 'A bike shop assistant that answers from the FAQ.' });
    const chosen = await creator.choose(pick, 'Pick datasets', [datasetId]);
    const vis = await creator.press(chosen, 'Continue');
    const priceStep = await creator.press(vis, 'Public');
    expect(priceStep.text).toContain('30-day license, perpetual license, API license (30 days, 1,000 calls)');
    const confirm = await creator.submit(await creator.press(priceStep, 'Set prices'), { period: '5' });
    expect(confirm.text).toContain('30-day license: 5 USDC');
    await creator.press(confirm, 'Create and train');
    const training = await creator.waitFor((m) => /Bike Shop \(as_[0-9a-z]{10}\)/.test(m.text), { what: 'training message' });
    assistantId = /\((as_[0-9a-z]{10})\)/.exec(training.text)![1]!;
    const note = await creator.waitFor((m) => m.text.startsWith('🧾 Bike Shop is on-chain'), { timeoutMs: 90_000, what: 'registration' });
    expect(note.text).toMatch(/trained on asset #\d+/);
    expect((await creator.say('/assistants')).text).toContain('5 USDC / 30 days');
  });

  it('refuses a purchase the balance does not cover, saying how much is missing, and pays nothing', async () => {
    const poor = webChat(rt.url!);
    const card = await poor.say(`/buy ${assistantId}`);
    expect(card.text).toContain('30-day license: 5 USDC');
    const confirm = await poor.press(card, '30-day license · 5 USDC');
    expect(confirm.text).toContain('Pay 5 USDC from your balance (0 USDC)');
    await poor.press(confirm, 'Pay 5 USDC');
    const refused = await poor.waitFor((m) => m.text.includes('missing'), { what: 'refusal' });
    expect(refused.text).toContain('This license costs 5 USDC and your balance is 0 USDC: 5 USDC missing. Nothing was paid.');
    const licenseCount = await rt.chain.publicClient.readContract({ address: rt.chain.addresses.licenses!, abi: licensesAbi, functionName: 'licenseCount' });
    expect(licenseCount).toBe(0n);
  });

  it('funds the buyer from the faucet, answers one free question, then asks for a license', async () => {
    const funded = await buyer.say('/faucet');
    expect(funded.text).toContain('🚰 Sent 100 USDC and 0.05 ETH');
    expect(funded.text).toContain('• 100 USDC');
    const first = await buyer.say(`/ask ${assistantId} How long is the warranty?`);
    expect(first.text).toContain('Free question — 0 left');
    const second = await buyer.say(`/ask ${assistantId} Do you fix flats?`);
    expect(second.text).toContain('🔒 Bike Shop needs a license (your 1 free question is used)');
    expect(second.controls?.rows?.[0]).toMatchObject({ buttons: [{ label: '🛒 Buy a license' }] });
  });

  it('refuses a payment when the price rose after the card was shown, and pays nothing', async () => {
    const card = await buyer.say(`/buy ${assistantId}`);
    const confirm = await buyer.press(card, '30-day license · 5 USDC');
    expect((await creator.say(`/price ${assistantId} period 7`)).text).toContain('now costs 7 USDC');
    const before = await balance(await custodialOf(buyer));
    await buyer.press(confirm, 'Pay 5 USDC');
    const refused = await buyer.waitFor((m) => m.text.includes('The price changed'), { what: 'refusal' });
    expect(refused.text).toContain('The price changed to 7 USDC (you confirmed 5 USDC). Nothing was paid');
    expect(await balance(await custodialOf(buyer))).toBe(before);
    expect((await creator.say(`/price ${assistantId} period 5`)).text).toContain('now costs 5 USDC');
  });

  it('buys a 30-day license from the custodial balance (gas paid by the platform), then chats', async () => {
    const buyerAddress = await custodialOf(buyer);
    const before = await balance(buyerAddress);
    const card = await buyer.say(`/buy ${assistantId}`);
    const confirm = await buyer.press(card, '30-day license · 5 USDC');
    await buyer.press(confirm, 'Pay 5 USDC');
    const bought = await buyer.waitFor((m) => m.text.startsWith('✅ License #'), { timeoutMs: 30_000, what: 'purchase' });
    expect(bought.text).toMatch(/✅ License #1 bought for 5 USDC: valid until \d{4}-\d\d-\d\d/);
    expect(await balance(buyerAddress)).toBe(before - 5_000_000n);
    const { publicClient, addresses } = rt.chain;
    expect(await publicClient.readContract({ address: addresses.licenses!, abi: licensesAbi, functionName: 'ownerOf', args: [1n] })).toBe(buyerAddress);
    expect(await publicClient.readContract({ address: addresses.licenses!, abi: licensesAbi, functionName: 'isValid', args: [1n] })).toBe(true);

    const answer = await buyer.say(`/ask ${assistantId} Do you fix flats?`);
    expect(answer.text).toMatch(/^🤖 Bike Shop:/);
    expect(answer.text).not.toContain('Free question');
    const licenses = await buyer.say('/licenses');
    expect(licenses.text).toMatch(/#1 Bike Shop \(as_[0-9a-z]{10}\) — 30-day license, expires in 30 days/);
  });

  it('tells the creator and the contributor once what the purchase earned them, to the unit', async () => {
    const creatorDm = await creator.waitFor((m) => m.text.startsWith('💰'), { timeoutMs: 30_000, what: 'earnings message' });
    expect(creatorDm.text).toBe('💰 You earned 3.8 USDC from *Bike Shop* (a license was bought) — /claim');
    const contributorDm = await contributor.waitFor((m) => m.text.startsWith('💰'), { timeoutMs: 30_000, what: 'earnings message' });
    expect(contributorDm.text).toBe('💰 You earned 0.95 USDC from *bikes.csv* (a royalty from an asset built on it) — /claim');
    // Both amounts are what the pool holds for them.
    const pool = rt.chain.addresses.revenuePool!;
    const claimable = (assetId: bigint, holder: Address) =>
      rt.chain.publicClient.readContract({ address: pool, abi: revenuePoolAbi, functionName: 'claimable', args: [assetId, usdc, holder] });
    const [assistantAsset] = await rt.database.db.select().from(assets).where(eq(assets.kind, 'assistant'));
    const [datasetAsset] = await rt.database.db.select().from(assets).where(eq(assets.kind, 'dataset'));
    expect(await claimable(assistantAsset!.chainAssetId, await custodialOf(creator))).toBe(3_800_000n);
    expect(await claimable(datasetAsset!.chainAssetId, await custodialOf(contributor))).toBe(950_000n);
    await new Promise((r) => setTimeout(r, 2000));
    expect((await creator.messages()).filter((m) => m.text.startsWith('💰'))).toHaveLength(1);
    expect((await contributor.messages()).filter((m) => m.text.startsWith('💰'))).toHaveLength(1);
  });

  it('reminds the buyer three days before expiry, once, with a Renew button', async () => {
    const [row] = await rt.database.db.select().from(licenses).where(eq(licenses.chainLicenseId, 1n));
    const jobs = createJobsPort(rt.queues);
    const threeDaysBefore = new Date(row!.expiresAt!.getTime() - 2 * 86_400_000);
    expect(await remindExpiringLicenses({ db: rt.database.db, jobs }, new Date(row!.expiresAt!.getTime() - 4 * 86_400_000))).toBe(0);
    expect(await remindExpiringLicenses({ db: rt.database.db, jobs }, threeDaysBefore)).toBe(1);
    expect(await remindExpiringLicenses({ db: rt.database.db, jobs }, threeDaysBefore)).toBe(0);
    const reminder = await buyer.waitFor((m) => m.text.startsWith('⏰ Your license #1 for Bike Shop'), { what: 'reminder' });
    expect(reminder.text).toContain('expires in 2 days');
    expect(reminder.controls?.rows?.[0]).toMatchObject({ buttons: [{ label: '🔄 Renew' }] });
  });

  it('refuses an expired license with a Renew button, and chats again once renewed', async () => {
    const month = 31 * 86_400;
    await rt.chain.publicClient.request({ method: 'evm_increaseTime' as never, params: [month] as never });
    await rt.chain.publicClient.request({ method: 'evm_mine' as never, params: [] as never });
    {
      const refused = await buyer.say(`/ask ${assistantId} Do you fix flats?`);
      expect(refused.text).toContain('🔒 Your license for Bike Shop expired. Renew it to keep chatting.');
      const confirm = await buyer.press(refused, 'Renew');
      expect(confirm.text).toMatch(/Renew license #1 for Bike Shop \(expired 1 day ago\) for 5 USDC\?/);
      await buyer.press(confirm, 'Pay 5 USDC');
      const renewed = await buyer.waitFor((m) => m.text.startsWith('✅ License #1 renewed'), { timeoutMs: 30_000, what: 'renewal' });
      // Renewed for 30 days from the chain's now (a month ahead of this machine's clock).
      expect(renewed.text).toContain('expires in 30 days');
      const answer = await buyer.say(`/ask ${assistantId} Do you fix flats?`);
      expect(answer.text).toMatch(/^🤖 Bike Shop:/);
    }
  });

  it('shows the creator and the contributor what they earned, read from the chain, and claims it', async () => {
    // Two payments of 5 USDC: 5 % fee (0.25), 20 % of the rest to the dataset (0.95), the assistant keeps 3.8.
    const creatorEarnings = await creator.say('/earnings');
    expect(creatorEarnings.text).toContain('Bike Shop');
    expect(creatorEarnings.text).toContain('7.6 USDC to claim — your share 100 %');
    const contributorEarnings = await contributor.say('/earnings');
    expect(contributorEarnings.text).toContain('bikes.csv');
    expect(contributorEarnings.text).toContain('1.9 USDC to claim');

    for (const [who, amount] of [
      [creator, 7_600_000n],
      [contributor, 1_900_000n],
    ] as const) {
      const address = await custodialOf(who);
      const before = await balance(address);
      const claimed = await who.say('/claim');
      const done = claimed.text.startsWith('✅') ? claimed : await who.waitFor((m) => m.text.startsWith('✅ Claimed'), { timeoutMs: 30_000, what: 'claim' });
      expect(done.text).toContain(`✅ Claimed ${Number(amount) / 1e6} USDC`);
      expect(await balance(address)).toBe(before + amount);
    }
    const pool = rt.chain.addresses.revenuePool!;
    expect(await rt.chain.publicClient.readContract({ address: pool, abi: revenuePoolAbi, functionName: 'feesAccrued', args: [usdc] })).toBe(500_000n);
    expect((await creator.say('/claim')).text).toContain('Nothing to claim yet');
  });

  it('withdraws custodial funds to another address after a confirmation, and refuses bad requests changing nothing', async () => {
    const target = '0x000000000000000000000000000000000000bEEF';
    expect((await buyer.say('/withdraw 0x1234 10')).text).toContain('is not an address');
    expect((await buyer.say(`/withdraw ${target} 1000000`)).text).toMatch(/You have 90 USDC: 999,910 USDC short\. Nothing was sent\./);
    expect((await buyer.say(`/withdraw ${target} 1.0000001`)).text).toContain('at most 6 decimals');
    const confirm = await buyer.say(`/withdraw ${target.toLowerCase()} 12.5`);
    expect(confirm.text).toContain(`Send 12.5 USDC from your custodial address to ${target}?`);
    expect(await balance(target)).toBe(0n);
    await buyer.press(confirm, 'Send 12.5 USDC');
    const sent = await buyer.waitFor((m) => m.text.startsWith('✅ Sent 12.5 USDC'), { timeoutMs: 30_000, what: 'withdrawal' });
    expect(sent.text).toContain(`to ${target}`);
    expect(await balance(target)).toBe(12_500_000n);
    expect(await balance(await custodialOf(buyer))).toBe(77_500_000n);
  });

  it('survives a reorg: the rolled-back purchase leaves the books, earnings equal claimable, no message twice', async () => {
    const { publicClient, addresses } = rt.chain;
    const rpc = (method: string, params: unknown[] = []) => publicClient.request({ method: method as never, params: params as never });
    const told = async (who: WebChat) => (await who.messages()).filter((m) => m.text.startsWith('💰 You earned')).map((m) => m.text);
    const [assistantAsset] = await rt.database.db.select().from(assets).where(eq(assets.kind, 'assistant'));
    const [datasetAsset] = await rt.database.db.select().from(assets).where(eq(assets.kind, 'dataset'));
    const books = async () => {
      for (const [assetId, who] of [
        [assistantAsset!.chainAssetId, creator],
        [datasetAsset!.chainAssetId, contributor],
      ] as const) {
        const holder = await custodialOf(who);
        const onChain = await publicClient.readContract({ address: addresses.revenuePool!, abi: revenuePoolAbi, functionName: 'claimable', args: [assetId, usdc, holder] });
        const derived = await derivedClaimable(rt.money, { assetId, token: usdc, holder });
        expect(derived.claimable).toBe(onChain);
      }
    };
    const creatorBefore = (await told(creator)).length;
    const snapshot = await rpc('evm_snapshot');
    const late = webChat(rt.url!);
    await late.say('/faucet');
    const card = await late.say(`/buy ${assistantId}`);
    await late.press(await late.press(card, '30-day license · 5 USDC'), 'Pay 5 USDC');
    await late.waitFor((m) => m.text.startsWith('✅ License #'), { timeoutMs: 30_000, what: 'purchase' });
    await eventually(async () => (await told(creator)).length === creatorBefore + 1, 30_000, 'one message for the purchase');
    const earningsBefore = await rt.database.db.select().from(earnings);

    // The purchase's blocks are replaced: revert, then other blocks at the same heights and beyond.
    expect(await rpc('evm_revert', [snapshot])).toBe(true);
    await rpc('anvil_mine', ['0x3']);
    const renew = await buyer.say('/renew');
    await buyer.press(renew, 'Pay 5 USDC');
    await buyer.waitFor((m) => m.text.startsWith('✅ License #1 renewed'), { timeoutMs: 30_000, what: 'renewal on the new branch' });
    await eventually(async () => (await told(creator)).length === creatorBefore + 2, 30_000, 'the renewal’s message');
    const earningsAfter = await rt.database.db.select().from(earnings);
    // The rolled-back purchase's earnings are gone; the renewal's are there; the books match the chain.
    const rolledBack = earningsBefore.filter((e) => !earningsAfter.some((a) => a.txHash === e.txHash && a.logIndex === e.logIndex && a.holder === e.holder));
    expect(rolledBack.length).toBeGreaterThanOrEqual(2);
    await books();
    await new Promise((r) => setTimeout(r, 2000));
    const texts = await told(creator);
    expect(texts).toHaveLength(creatorBefore + 2);
    const keys = await rt.database.db.select({ key: notifications.key }).from(notifications);
    expect(new Set(keys.map((k) => k.key)).size).toBe(keys.length);
  });

  it('has no faucet off the dev chain', async () => {
    await expect(useFaucet({ ...rt.money, chain: { ...rt.money.chain, chainId: 8453 } }, 1)).rejects.toThrow(/no faucet on chain 8453/);
    await expect(useFaucet({ ...rt.money, chain: { ...rt.money.chain, chainId: 8453 } }, 1)).rejects.toBeInstanceOf(NotDevChainError);
  });
});
