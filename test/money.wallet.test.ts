import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { and, eq } from 'drizzle-orm';
import { erc20Abi, parseEventLogs, toHex, type Address, type LocalAccount } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { licensesAbi, receiptsAbi, revenuePoolAbi } from '../contracts/bindings/index.ts';
import { assets, licenses, receipts } from '../platform/db/schema.ts';
import { findUserByIdentity } from '../platform/identity/findUserByIdentity.ts';
import { freePort } from '../platform/infra/freePort.ts';
import { createInjectedWallet, injectWallet, stepShown, type InjectedWallet } from './helpers/injectedWallet.ts';
import { eventually, startTestRuntime, type TestRuntime } from './helpers/testRuntime.ts';
import { writeTinyBase } from './helpers/tinyBase.ts';
import { webChat, type WebChat, type WebMsg } from './helpers/webChat.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);

/** The URL of the link button labelled `label` on a bot message. */
function linkOf(m: WebMsg, label: string): string {
  for (const row of m.controls?.rows ?? []) if ('buttons' in row) for (const b of row.buttons) if (b.kind === 'link' && b.label === label) return b.url;
  throw new Error(`No link button “${label}” on: ${m.text}\n${JSON.stringify(m.controls)}`);
}

/**
 * The money loop for people whose money and receipts live in their own browser wallet, on real
 * anvil and in headless Chromium with an injected EIP-1193 wallet (viem local accounts, real
 * signatures): a creator links a wallet before building a priced assistant, so its creator receipt
 * is minted to the wallet; a buyer links another wallet, funds it from the app (faucet, then
 * /withdraw to the wallet), and buys a license on the `/wallet/tx` page (approve + purchase sent by
 * the wallet), which the chain indexer records for the buyer, who can then chat; the creator claims
 * the wallet's earnings on a page too. A page opened with a wallet other than the linked one sends
 * nothing. Every wallet is a fresh random key, so no other test file races it for nonces. The steps
 * build on each other (one marketplace's story).
 */
describe.skipIf(!hasChromium)('money from linked wallets: license bought and earnings claimed on wallet pages', () => {
  let rt: TestRuntime;
  const base = writeTinyBase();
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let contributor: WebChat;
  let creator: WebChat;
  let buyer: WebChat;
  let creatorContext: BrowserContext;
  let creatorWallet: InjectedWallet;
  let buyerWallet: InjectedWallet;
  let assistantId: string;
  let usdc: Address;
  const creatorAccount = privateKeyToAccount(generatePrivateKey());
  const buyerAccount = privateKeyToAccount(generatePrivateKey());

  const balance = (holder: Address) => rt.chain.publicClient.readContract({ address: usdc, abi: erc20Abi, functionName: 'balanceOf', args: [holder] });
  const ethBalance = (holder: Address) => rt.chain.publicClient.getBalance({ address: holder });
  const licenseCount = () => rt.chain.publicClient.readContract({ address: rt.chain.addresses.licenses!, abi: licensesAbi, functionName: 'licenseCount' });
  const userOf = async (c: WebChat) => (await findUserByIdentity(rt.database, { platform: 'web', externalId: c.chatId }))!;

  /** A browser context whose pages see `account` as `window.ethereum`. */
  async function walletContext(account: LocalAccount): Promise<{ context: BrowserContext; wallet: InjectedWallet }> {
    const context = await browser.newContext();
    contexts.push(context);
    const wallet = createInjectedWallet({ account, chain: rt.chain.publicClient.chain, rpcUrl: inject('services').rpcUrl });
    await injectWallet(context, wallet);
    return { context, wallet };
  }

  /** `/link`, then SIWE on the link page; the person has no receipts yet, so nothing is moved. */
  async function linkWallet(chat: WebChat, context: BrowserContext, address: Address): Promise<void> {
    const offer = await chat.say('/link');
    expect(offer.text).toContain('No receipts wait at the address Caravan keeps for you');
    const page = await context.newPage();
    try {
      await page.goto(linkOf(offer, 'Open the wallet page'));
      await page.click('#connect');
      expect(await stepShown(page, /nothing to move/)).toContain(`✅ Linked: receipts Caravan issues to you from now on go to ${address}`);
    } finally {
      await page.close();
    }
    expect((await userOf(chat)).walletAddress).toBe(address);
  }

  /** Sends `amount` (e.g. '20', '0.01 ETH') from the person's custodial balance to `to` with /withdraw. */
  async function withdraw(chat: WebChat, to: Address, amount: string): Promise<void> {
    const [units, token] = amount.split(' ');
    const question = await chat.say(`/withdraw ${to} ${units}${token ? ` ${token}` : ''}`);
    await chat.press(question, `Send ${units} ${token ?? 'USDC'}`);
    await chat.waitFor((m) => m.id === question.id && m.text.startsWith(`✅ Sent ${units} ${token ?? 'USDC'} to ${to}`), { timeoutMs: 30_000, what: 'withdrawal' });
  }

  beforeAll(async () => {
    // The SIWE domain is the public URL's host: the pages must be served there.
    const port = await freePort();
    rt = await startTestRuntime({
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ENGINE_BASE_CHECKPOINT: base.file,
      ENGINE_FINETUNE_MIN_STEPS: '4',
      ENGINE_FINETUNE_MAX_STEPS: '4',
      ENGINE_SERVE_WORKERS: '1',
      ENGINE_TRAIN_WORKERS: '1',
      FREE_QUESTIONS: '0',
      EARNINGS_DIGEST_WINDOW: '1s',
      INDEXER_INTERVAL: '500ms',
    });
    usdc = rt.chain.addresses.testStablecoin!;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    contributor = webChat(rt.url!);
    creator = webChat(rt.url!);
    buyer = webChat(rt.url!);
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await rt?.close();
    base.remove();
  });

  it('links the creator’s wallet first, so the priced assistant’s creator receipt is minted to it', async () => {
    ({ context: creatorContext, wallet: creatorWallet } = await walletContext(creatorAccount));
    await linkWallet(creator, creatorContext, creatorAccount.address);

    expect((await contributor.upload('bikes.csv', 'question,answer\nHow long is the warranty?,Two years on every frame.\nDo you fix flats?,Yes: a flat is fixed while you wait.\n')).status).toBe(202);
    await contributor.press(await contributor.waitFor((m) => m.text.startsWith('Who may build assistants on bikes.csv')), 'Open');
    const done = await contributor.waitFor((m) => m.text.startsWith('✅ Dataset'), { timeoutMs: 30_000, what: 'receipt' });
    const datasetId = /Dataset (ds_[0-9a-z]{10})/.exec(done.text)![1]!;

    const form = await creator.say('/newassistant');
    const pick = await creator.submit(form, { name: 'Bike Shop', instructions: 'A bike shop assistant that answers from the FAQ.' });
    const chosen = await creator.choose(pick, 'Pick datasets', [datasetId]);
    const priceStep = await creator.press(await creator.press(chosen, 'Continue'), 'Public');
    const confirm = await creator.submit(await creator.press(priceStep, 'Set prices'), { period: '5' });
    expect(confirm.text).toContain('30-day license: 5 USDC');
    await creator.press(confirm, 'Create and train');
    const training = await creator.waitFor((m) => /Bike Shop \(as_[0-9a-z]{10}\)/.test(m.text), { what: 'training message' });
    assistantId = /\((as_[0-9a-z]{10})\)/.exec(training.text)![1]!;
    await creator.waitFor((m) => m.text.startsWith('🧾 Bike Shop is on-chain'), { timeoutMs: 90_000, what: 'registration' });

    const [asset] = await rt.database.db.select().from(assets).where(eq(assets.kind, 'assistant'));
    const [receipt] = await rt.database.db.select().from(receipts).where(eq(receipts.assetId, asset!.id));
    expect(receipt!.holderAddress).toBe(creatorAccount.address);
    const ownerOf = await rt.chain.publicClient.readContract({ address: rt.chain.addresses.receipts, abi: receiptsAbi, functionName: 'ownerOf', args: [receipt!.chainReceiptId] });
    expect(ownerOf).toBe(creatorAccount.address);
    // The creator's wallet pays the gas of its claim later: a little ETH from the faucet, through the app.
    await creator.say('/faucet');
    await withdraw(creator, creatorAccount.address, '0.01 ETH');
    expect(await ethBalance(creatorAccount.address)).toBe(10n ** 16n);
  });

  it('buys a license on the wallet page: approve + purchase sent by the buyer’s wallet, paid from it, recorded by the indexer', async () => {
    const { context, wallet } = await walletContext(buyerAccount);
    buyerWallet = wallet;
    await linkWallet(buyer, context, buyerAccount.address);
    // Funds come from outside Caravan into the wallet: here, the faucet's test money withdrawn to it.
    expect((await buyer.say('/faucet')).text).toContain('🚰 Sent 100 USDC and 0.05 ETH');
    await withdraw(buyer, buyerAccount.address, '20');
    await withdraw(buyer, buyerAccount.address, '0.01 ETH');
    expect(await balance(buyerAccount.address)).toBe(20_000_000n);

    const refused = await buyer.say(`/ask ${assistantId} Do you fix flats?`);
    expect(refused.text).toContain('🔒 Bike Shop needs a license');

    const custodial = (await userOf(buyer)).custodialAddress as Address;
    const before = { wallet: await balance(buyerAccount.address), custodial: await balance(custodial), custodialEth: await ethBalance(custodial), licenses: await licenseCount() };
    const card = await buyer.say(`/buy ${assistantId}`);
    const confirm = await buyer.press(card, '30-day license · 5 USDC');
    expect(confirm.text).toContain(`Or pay from your linked wallet ${buyerAccount.address} on a page that works for 15 minutes`);
    const url = linkOf(confirm, '👛 Pay from my wallet');
    expect(url).toMatch(new RegExp(`^${rt.url}/wallet/tx/[A-Za-z0-9_-]{43}$`));

    const page = await context.newPage();
    expect((await page.goto(url))?.status()).toBe(200);
    expect(await page.locator('#title').textContent()).toBe('Buy a 30-day license');
    expect(await page.locator('#from').textContent()).toBe(buyerAccount.address);
    expect(await page.locator('#calls li').allTextContents()).toEqual([
      `Allow the Licenses contract to take 5 USDC — to ${usdc}`,
      `Buy the 30-day license for 5 USDC (at most 5 USDC) — to ${rt.chain.addresses.licenses}`,
    ]);
    await page.click('#send');
    await stepShown(page, /✅ Done: “Allow the Licenses contract to take 5 USDC” in block \d+, “Buy the 30-day license for 5 USDC \(at most 5 USDC\)” in block \d+/, 60_000);
    await page.close();
    expect(wallet.sent.map((s) => [s.from, s.to])).toEqual([
      [buyerAccount.address, usdc],
      [buyerAccount.address, rt.chain.addresses.licenses],
    ]);

    // On-chain: the license is the wallet's, paid from the wallet; the custodial balance is untouched.
    const mined = await rt.chain.publicClient.getTransactionReceipt({ hash: wallet.sent[1]!.hash });
    const [purchased] = parseEventLogs({ abi: licensesAbi, logs: mined.logs, eventName: 'LicensePurchased' });
    const licenseId = purchased!.args.licenseId;
    expect(purchased!.args).toMatchObject({ holder: buyerAccount.address, payer: buyerAccount.address, price: 5_000_000n });
    expect(await licenseCount()).toBe(before.licenses + 1n);
    const { publicClient, addresses } = rt.chain;
    expect(await publicClient.readContract({ address: addresses.licenses!, abi: licensesAbi, functionName: 'ownerOf', args: [licenseId] })).toBe(buyerAccount.address);
    expect(await publicClient.readContract({ address: addresses.licenses!, abi: licensesAbi, functionName: 'isValid', args: [licenseId] })).toBe(true);
    expect(await balance(buyerAccount.address)).toBe(before.wallet - 5_000_000n);
    expect(await balance(custodial)).toBe(before.custodial);
    expect(await ethBalance(custodial)).toBe(before.custodialEth);
    // The page's link is spent.
    expect((await fetch(url)).status).toBe(404);

    // The indexer records the license for the buyer (found by the wallet address); then the buyer chats.
    const buyerId = (await userOf(buyer)).id;
    const row = await eventually(
      async () => (await rt.database.db.select().from(licenses).where(and(eq(licenses.chainLicenseId, licenseId), eq(licenses.userId, buyerId))))[0],
      20_000,
      'the indexed license',
    );
    expect(row).toMatchObject({ holderAddress: buyerAccount.address, pricePaid: 5_000_000n, kind: 'period', txHash: mined.transactionHash });
    const answer = await buyer.say(`/ask ${assistantId} Do you fix flats?`);
    expect(answer.text).toMatch(/^🤖 Bike Shop:/);
    expect((await buyer.say('/licenses')).text).toMatch(new RegExp(`#${licenseId} Bike Shop \\(${assistantId}\\) — 30-day license, expires in 30 days`));
  });

  it('claims the creator wallet’s earnings on the wallet page: exactly what the pool held for it', async () => {
    const dm = await creator.waitFor((m) => m.text.startsWith('💰'), { timeoutMs: 30_000, what: 'earnings message' });
    expect(dm.text).toBe('💰 You earned 3.8 USDC from *Bike Shop* (a license was bought) — /claim');
    const pool = rt.chain.addresses.revenuePool!;
    const [asset] = await rt.database.db.select().from(assets).where(eq(assets.kind, 'assistant'));
    const claimable = (holder: Address) =>
      rt.chain.publicClient.readContract({ address: pool, abi: revenuePoolAbi, functionName: 'claimable', args: [asset!.chainAssetId, usdc, holder] });
    const owed = await claimable(creatorAccount.address);
    expect(owed).toBe(3_800_000n);
    const custodial = (await userOf(creator)).custodialAddress as Address;
    expect(await claimable(custodial)).toBe(0n);

    const reply = await creator.say('/claim');
    expect(reply.text).toBe('🔗 3.8 USDC was earned by the receipts in your linked wallet: claim it from that wallet.');
    const url = linkOf(reply, '👛 Claim from my wallet');
    const before = { wallet: await balance(creatorAccount.address), custodial: await balance(custodial) };

    const page = await creatorContext.newPage();
    expect((await page.goto(url))?.status()).toBe(200);
    expect(await page.locator('#title').textContent()).toBe('Claim your earnings');
    expect(await page.locator('#calls li').allTextContents()).toEqual([`Claim 3.8 USDC from Bike Shop — to ${pool}`]);
    await page.click('#send');
    await stepShown(page, /✅ Done: “Claim 3\.8 USDC from Bike Shop” in block \d+/, 60_000);
    await page.close();
    expect(creatorWallet.sent.map((s) => [s.from, s.to])).toEqual([[creatorAccount.address, pool]]);

    expect(await balance(creatorAccount.address)).toBe(before.wallet + owed);
    expect(await claimable(creatorAccount.address)).toBe(0n);
    expect(await balance(custodial)).toBe(before.custodial);
    expect((await creator.say('/claim')).text).toContain('Nothing to claim yet');
  });

  it('refuses a purchase page opened with another wallet, and sends nothing', async () => {
    const card = await buyer.say(`/buy ${assistantId}`);
    const url = linkOf(await buyer.press(card, '30-day license · 5 USDC'), '👛 Pay from my wallet');
    // A stranger's wallet with gas (so only the page stops it), and the creator's wallet, linked to another account.
    const stranger = privateKeyToAccount(generatePrivateKey());
    await rt.chain.publicClient.request({ method: 'anvil_setBalance' as never, params: [stranger.address, toHex(10n ** 18n)] as never });
    const { context: strangerContext, wallet: strangerWallet } = await walletContext(stranger);
    const before = {
      licenses: await licenseCount(),
      buyer: await balance(buyerAccount.address),
      allowance: await rt.chain.publicClient.readContract({ address: usdc, abi: erc20Abi, functionName: 'allowance', args: [buyerAccount.address, rt.chain.addresses.licenses!] }),
      creatorSent: creatorWallet.sent.length,
      creatorNonce: await rt.chain.publicClient.getTransactionCount({ address: creatorAccount.address }),
    };

    for (const [context, address] of [
      [strangerContext, stranger.address],
      [creatorContext, creatorAccount.address],
    ] as const) {
      const page = await context.newPage();
      await page.goto(url);
      await page.click('#send');
      expect(await stepShown(page, new RegExp(`must come from your linked wallet ${buyerAccount.address}`))).toContain(`Your wallet's account is ${address}`);
      expect(await page.locator('#log li').count()).toBe(1);
      await page.close();
    }

    expect(strangerWallet.sent).toEqual([]);
    expect(await rt.chain.publicClient.getTransactionCount({ address: stranger.address })).toBe(0);
    expect(creatorWallet.sent).toHaveLength(before.creatorSent);
    expect(await rt.chain.publicClient.getTransactionCount({ address: creatorAccount.address })).toBe(before.creatorNonce);
    expect(await licenseCount()).toBe(before.licenses);
    expect(await balance(buyerAccount.address)).toBe(before.buyer);
    expect(await rt.chain.publicClient.readContract({ address: usdc, abi: erc20Abi, functionName: 'allowance', args: [buyerAccount.address, rt.chain.addresses.licenses!] })).toBe(before.allowance);
    // Nothing was used up: the buyer's own wallet can still open the page.
    expect((await fetch(url)).status).toBe(200);
    expect(buyerWallet.sent).toHaveLength(2);
  });
});
