import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import { notifications } from '../platform/db/schema.ts';
import { getAddress, type Address } from 'viem';
import { licensesAbi, receiptsAbi, revenuePoolAbi } from '../contracts/bindings/index.ts';
import { findUserByIdentity } from '../platform/identity/findUserByIdentity.ts';
import { freePort } from '../platform/infra/freePort.ts';
import { formatAmount, type Currency } from '../platform/money/currencies.ts';
import { createDashboardLink } from '../platform/dashboard/createDashboardLink.ts';
import { createLinkToken } from '../platform/wallets/createLinkToken.ts';
import { LINK_GONE } from '../platform/wallets/readLinkToken.ts';
import { startTestRuntime, type TestRuntime } from './helpers/testRuntime.ts';
import { writeTinyBase } from './helpers/tinyBase.ts';
import { webChat, type WebChat, type WebMsg } from './helpers/webChat.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);

/** A name people typed, with every character HTML cares about. */
const NAME = 'Bike <Shop> & "Co"';

/** The URL of the link button on a bot message. */
function linkOf(m: WebMsg): string {
  for (const row of m.controls?.rows ?? []) if ('buttons' in row) for (const b of row.buttons) if (b.kind === 'link') return b.url;
  throw new Error(`No link button on: ${m.text}`);
}

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const pct = (bps: number) => `${(bps / 100).toLocaleString('en-US', { maximumFractionDigits: 2 })} %`;
const sharePct = (shares: bigint, total: bigint) => `${(Number((shares * 1_000_000n) / total) / 10_000).toLocaleString('en-US', { maximumFractionDigits: 4 })} %`;

/**
 * The dashboard (`/me`) and the marketplace (`/market`) in headless Chromium, on real anvil: Alice
 * contributes an open dataset and a private one, builds a priced public assistant on the first and a
 * private one on the second; Bob funds from the faucet and buys a 30-day license. Each one's dashboard
 * shows what the chain says (receipts and their share, claimable amounts, the license's expiry, the
 * assistant's revenue, the web inbox) and nothing of the other; dead links get 404; the marketplace lists
 * only the public assistant and the open dataset, with prices, lineage and the split. The earnings
 * history comes from the chain indexer's rows: the test checks the page against whatever rows exist.
 * The steps build on each other.
 */
describe.skipIf(!hasChromium)('dashboard and marketplace pages, in a browser', () => {
  let rt: TestRuntime;
  const base = writeTinyBase();
  let browser: Browser;
  let alice: WebChat;
  let bob: WebChat;
  let usdc: Currency;
  const ids = { openDataset: '', privateDataset: '', assistant: '', privateAssistant: '' };
  const links = { alice: '', bob: '' };

  const userOf = async (c: WebChat) => (await findUserByIdentity(rt.database, { platform: 'web', externalId: c.chatId }))!;
  const read = (address: Address, abi: unknown, functionName: string, args: readonly unknown[] = []) =>
    rt.chain.publicClient.readContract({ address, abi, functionName, args } as never) as Promise<unknown>;
  /** Opens `url` in a fresh page that records console errors (a CSP refusal shows there). */
  const open = async (url: string, viewport = { width: 1024, height: 900 }) => {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    const res = await page.goto(url);
    return { page, res, errors, close: () => context.close() };
  };
  const text = async (page: Page, selector: string) => (await page.locator(selector).first().textContent()) ?? '';

  beforeAll(async () => {
    const port = await freePort();
    rt = await startTestRuntime({
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ENGINE_BASE_CHECKPOINT: base.file,
      ENGINE_FINETUNE_MIN_STEPS: '4',
      ENGINE_FINETUNE_MAX_STEPS: '4',
      ENGINE_SERVE_WORKERS: '1',
      ENGINE_TRAIN_WORKERS: '1',
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    alice = webChat(rt.url!);
    bob = webChat(rt.url!);
    usdc = rt.money.currencies[0]!;
  });
  afterAll(async () => {
    await browser?.close();
    await rt?.close();
    base.remove();
  });

  /** Uploads a dataset with the given access and returns its id once its receipt is issued. */
  async function contribute(name: string, body: string, access: 'Open' | 'Private'): Promise<string> {
    expect((await alice.upload(name, body)).status).toBe(202);
    const question = await alice.waitFor((m) => m.text.startsWith(`Who may build assistants on ${name}`), { what: 'the access question' });
    await alice.press(question, access);
    // The upload's progress message becomes the receipt (an edit): found by the file's name.
    const done = await alice.waitFor((m) => m.text.startsWith('✅ Dataset') && m.text.includes(name), { timeoutMs: 30_000, what: 'receipt' });
    return /Dataset (ds_[0-9a-z]{10})/.exec(done.text)![1]!;
  }

  /** Builds an assistant with the wizard; waits until it is trained and on-chain. */
  async function build(name: string, dataset: string, visibility: '🌐 Public' | '🔒 Private', period?: string): Promise<string> {
    const pick = await alice.submit(await alice.say('/newassistant'), { name, instructions: 'Answers questions about bikes from the FAQ.' });
    const vis = await alice.press(await alice.choose(pick, 'Pick datasets', [dataset]), 'Continue');
    const priceStep = await alice.press(vis, visibility);
    const confirm = period ? await alice.submit(await alice.press(priceStep, 'Set prices'), { period }) : await alice.press(priceStep, 'Free');
    await alice.press(confirm, 'Create and train');
    const training = await alice.waitFor((m) => m.text.startsWith(`🧠 Training ${name} (as_`), { what: 'training message' });
    const id = /\((as_[0-9a-z]{10})\)/.exec(training.text)![1]!;
    await alice.waitFor((m) => m.text.startsWith(`🧾 ${name} is on-chain`), { timeoutMs: 90_000, what: 'registration' });
    return id;
  }

  it('builds the market: an open and a private dataset, a priced public assistant and a private one', async () => {
    ids.openDataset = await contribute('bikes.csv', 'question,answer\nHow long is the warranty?,Two years on every frame.\nDo you fix flats?,Yes: while you wait.\n', 'Open');
    ids.privateDataset = await contribute('secret-prices.csv', 'question,answer\nWhat do we pay for inner tubes?,Three euros a piece from the wholesaler.\nAnd for brake pads?,Four euros a pair.\n', 'Private');
    ids.assistant = await build(NAME, ids.openDataset, '🌐 Public', '5');
    ids.privateAssistant = await build('Hidden Helper', ids.privateDataset, '🔒 Private');
  }, 240_000);

  it('has Bob fund from the faucet and buy a 30-day license', async () => {
    expect((await bob.say('/faucet')).text).toContain('🚰 Sent 100 USDC');
    const confirm = await bob.press(await bob.say(`/buy ${ids.assistant}`), '30-day license · 5 USDC');
    await bob.press(confirm, 'Pay 5 USDC');
    await bob.waitFor((m) => m.text.startsWith('✅ License #'), { timeoutMs: 30_000, what: 'purchase' });
  });

  it('/me links to a dashboard that shows receipts, claimable amounts and revenue as the chain has them, and a chart', async () => {
    const reply = await alice.say('/me');
    expect(reply.text).toContain('The link works for 30 minutes');
    links.alice = linkOf(reply);
    expect(links.alice).toMatch(new RegExp(`^${rt.url}/me/[A-Za-z0-9_-]{43}$`));
    const user = await userOf(alice);
    const custodial = user.custodialAddress as Address;

    const { page, res, errors, close } = await open(links.alice);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['cache-control']).toBe('no-store');
    expect(res?.headers()['content-security-policy']).toContain("default-src 'none'");
    expect(await text(page, 'h1')).toBe('Your Caravan dashboard');
    expect(await text(page, '#custodial')).toBe(custodial);
    expect(await text(page, '#balances')).toContain('0 USDC');

    // Receipts: four (two datasets, two assistants), each share as Receipts.receiptInfo / totalShares say.
    const rows = page.locator('#receipts tr[data-receipt]');
    expect(await rows.count()).toBe(4);
    for (const row of await rows.all()) {
      const id = BigInt((await row.getAttribute('data-receipt'))!);
      const [assetId, shares] = (await read(rt.chain.addresses.receipts, receiptsAbi, 'receiptInfo', [id])) as [bigint, bigint];
      const total = (await read(rt.chain.addresses.receipts, receiptsAbi, 'totalShares', [assetId])) as bigint;
      expect(await row.locator('.share').textContent()).toBe(sharePct(shares, total));
      expect(await row.textContent()).toContain(`#${assetId}`);
      expect(await row.textContent()).toContain(custodial);
    }
    const receiptsText = await text(page, '#receipts');
    for (const shown of [NAME, 'Hidden Helper', 'bikes.csv', 'secret-prices.csv', ids.openDataset, ids.assistant]) expect(receiptsText).toContain(shown);

    // Claimable: every line equals RevenuePool.claimable; the open dataset and the assistant were paid.
    const lines = page.locator('#earnings tr[data-asset]');
    expect(await lines.count()).toBe(2);
    let claimable = 0n;
    for (const line of await lines.all()) {
      const asset = BigInt((await line.getAttribute('data-asset'))!);
      const holder = (await line.getAttribute('data-holder')) as Address;
      const onChain = (await read(rt.chain.addresses.revenuePool!, revenuePoolAbi, 'claimable', [asset, usdc.address, holder])) as bigint;
      expect(onChain).toBeGreaterThan(0n);
      expect(await line.locator('.claimable').textContent()).toBe(formatAmount(onChain, usdc));
      claimable += onChain;
    }
    expect(claimable).toBeGreaterThan(0n);

    // The assistant's revenue: what the pool credited to its receipts (poolOf.totalReceived).
    const assistantRow = page.locator(`#assistants tr[data-assistant="${ids.assistant}"]`);
    const assetId = BigInt(/asset #(\d+)/.exec((await alice.messages()).find((m) => m.text.startsWith(`🧾 ${NAME} is on-chain`))!.text)![1]!);
    const pool = (await read(rt.chain.addresses.revenuePool!, revenuePoolAbi, 'poolOf', [assetId, usdc.address])) as { totalReceived: bigint };
    expect(pool.totalReceived).toBeGreaterThan(0n);
    expect(await assistantRow.locator('.revenue').textContent()).toBe(formatAmount(pool.totalReceived, usdc));
    expect(await assistantRow.textContent()).toContain(NAME);
    expect(await page.locator(`#assistants tr[data-assistant="${ids.privateAssistant}"]`).count()).toBe(1);

    // The chart loads as a PNG in the page; the history says what the indexed earnings rows hold.
    await page.waitForFunction(() => {
      const img = document.getElementById('chart') as HTMLImageElement | null;
      return !!img && img.complete && img.naturalWidth > 0;
    });
    const png = await fetch(new URL((await page.locator('#chart').getAttribute('src'))!, rt.url).toString());
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(png.headers.get('cache-control')).toBe('no-store');
    expect([...new Uint8Array(await png.arrayBuffer()).subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(errors).toEqual([]);
    await close();
  });

  /** Σ of the indexed earnings of `addresses` per token; the indexer may add rows at any time. */
  const indexed = async (addresses: string[]) =>
    (
      await rt.database.db.execute<{ token: string; amount: string }>(
        sql`select token, sum(amount)::text amount from earnings where holder in (${sql.join(
          addresses.map((a) => sql`${getAddress(a)}`),
          sql`, `,
        )}) group by token order by token`,
      )
    ).rows;

  it('shows the earnings history the indexer recorded, or says none is recorded yet, on every reload', async () => {
    const custodial = (await userOf(alice)).custodialAddress;
    // Rows may arrive while the page is read: take a reading whose before and after agree.
    let rows = await indexed([custodial]);
    let reading = await open(links.alice);
    for (let i = 0; i < 5 && JSON.stringify(await indexed([custodial])) !== JSON.stringify(rows); i++) {
      await reading.close();
      rows = await indexed([custodial]);
      reading = await open(links.alice);
    }
    const { page, close } = reading;
    expect((await page.reload())?.status()).toBe(200);
    const history = await text(page, '#history');
    if (!rows.length) {
      expect(history).toContain('No earnings recorded yet');
      expect(await page.locator('#chart').getAttribute('alt')).toBe('No earnings recorded yet');
    } else {
      for (const r of rows) expect(history).toContain(formatAmount(BigInt(r.amount), usdc));
      expect(await page.locator('#chart').getAttribute('alt')).toMatch(/^Cumulative earnings by day: /);
    }
    await close();
  });

  it("shows Bob his license with the expiry the chain has, and neither one sees the other's data", async () => {
    const reply = await bob.say('/me');
    links.bob = linkOf(reply);
    const bobUser = await userOf(bob);
    const aliceUser = await userOf(alice);
    const { page, close } = await open(links.bob);
    const row = page.locator('#licenses tr[data-license="1"]');
    const info = (await read(rt.chain.addresses.licenses!, licensesAbi, 'licenseInfo', [1n])) as { expiresAt: bigint; pricePaid: bigint };
    const expires = new Date(Number(info.expiresAt) * 1000);
    expect(expires.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect(await row.locator('.expires').textContent()).toContain(utc(expires));
    expect(await row.locator('.expires').textContent()).toContain('in 30 days');
    expect(await row.textContent()).toContain('30-day license');
    expect(await row.textContent()).toContain('valid');
    expect(await row.textContent()).toContain(formatAmount(info.pricePaid, usdc));
    expect(await row.textContent()).toContain(NAME);
    expect(await text(page, '#custodial')).toBe(bobUser.custodialAddress);
    expect(await text(page, '#balances')).toContain('95 USDC');
    expect(await page.locator('#receipts tr[data-receipt]').count()).toBe(0);
    expect(await page.locator('#earnings tr[data-asset]').count()).toBe(0);
    expect(await page.locator('#assistants tr[data-assistant]').count()).toBe(0);
    // Bob earned nothing: the chart and the text say so.
    expect(await text(page, '#history .empty')).toContain('No earnings recorded yet');
    expect(await page.locator('#chart').getAttribute('alt')).toBe('No earnings recorded yet');
    await page.waitForFunction(() => (document.getElementById('chart') as HTMLImageElement | null)?.naturalHeight === 160);
    const bobPage = await page.content();
    for (const hers of [aliceUser.custodialAddress, 'Hidden Helper', 'secret-prices.csv', ids.privateAssistant, ids.openDataset]) expect(bobPage).not.toContain(hers);
    await close();

    const theirs = await open(links.alice);
    const alicePage = await theirs.page.content();
    expect(alicePage).not.toContain(bobUser.custodialAddress);
    expect(await theirs.page.locator('#licenses tr[data-license]').count()).toBe(0);
    await theirs.close();
  });

  it("lists in the web inbox only the user's own messages their chat refused, newest first", async () => {
    const [a, b] = [await userOf(alice), await userOf(bob)];
    const target = { transport: 'telegram', chatId: '1' };
    await rt.database.db.insert(notifications).values([
      { key: 'inbox:test:1', target, text: 'You earned 0.95 USDC from <bikes.csv>', status: 'inbox', userId: a.id },
      { key: 'inbox:test:2', target, text: 'Delivered in the chat', status: 'sent', userId: a.id },
      { key: 'inbox:test:3', target, text: 'For Bob only', status: 'inbox', userId: b.id },
      { key: 'inbox:test:4', target, text: 'You earned 3.8 USDC', status: 'inbox', userId: a.id },
    ]);
    const { page, close } = await open(links.alice);
    expect((await page.locator('#inbox .inbox p').allTextContents()).map((t) => t.trim())).toEqual(['You earned 3.8 USDC', 'You earned 0.95 USDC from <bikes.csv>']);
    await close();
    const bobs = await open(links.bob);
    expect((await bobs.page.locator('#inbox .inbox p').allTextContents()).map((t) => t.trim())).toEqual(['For Bob only']);
    await bobs.close();
  });

  it('answers 404 with one message for unknown, malformed, expired and other-purpose links, page and chart alike', async () => {
    const aliceId = (await userOf(alice)).id;
    const expired = await createDashboardLink(rt.money, { userId: aliceId, ttlMs: 1 });
    const wallet = await createLinkToken(rt.money, { userId: aliceId, purpose: 'link', ttlMs: 60_000 });
    await new Promise((r) => setTimeout(r, 20));
    const unknown = 'A'.repeat(43);
    for (const token of [unknown, 'nope', expired.token, wallet.token]) {
      const { page, res, close } = await open(`${rt.url}/me/${token}`);
      expect(res?.status()).toBe(404);
      expect(await text(page, '#error')).toBe(LINK_GONE);
      expect(await page.content()).not.toContain((await userOf(alice)).custodialAddress);
      await close();
      const chart = await fetch(`${rt.url}/me/${token}/earnings.png`);
      expect(chart.status).toBe(404);
      expect(await chart.json()).toEqual({ error: 'not_found', message: LINK_GONE });
    }
    // A live link still works after all that: it is not used up by being opened.
    expect((await fetch(links.alice)).status).toBe(200);
  });

  it('lists the public assistant with its prices, lineage and split, and the open dataset; nothing private', async () => {
    const reply = await bob.say('/market');
    expect(linkOf(reply)).toBe(`${rt.url}/market`);
    const { page, res, errors, close } = await open(`${rt.url}/market`, { width: 375, height: 800 });
    expect(res?.status()).toBe(200);
    const feeBps = Number(await read(rt.chain.addresses.revenuePool!, revenuePoolAbi, 'feeBps'));
    const royaltyBps = Number(await read(rt.chain.addresses.revenuePool!, revenuePoolAbi, 'royaltyBps'));
    const parentsBps = ((10_000 - feeBps) * royaltyBps) / 10_000;

    const card = page.locator(`article[data-id="${ids.assistant}"]`);
    expect(await card.locator('h3').textContent()).toBe(`${NAME} ${ids.assistant}`);
    expect(await card.locator('.offers').textContent()).toContain('30-day license: 5 USDC');
    expect(await card.locator('.lineage').textContent()).toContain(`bikes.csv ${ids.openDataset}`);
    const split = (await card.locator('.split li').allTextContents()).map((t) => t.trim());
    expect(split).toEqual([`${pct(feeBps)} platform fee`, `${pct(parentsBps)} to the dataset it was trained on`, `${pct(10_000 - feeBps - parentsBps)} to its creator`]);
    expect(await text(page, '#fee')).toBe(pct(feeBps));
    expect(await text(page, '#royalty')).toBe(pct(royaltyBps));
    expect(await page.locator('article.assistant').count()).toBe(1);

    const dataset = page.locator(`#datasets tr[data-id="${ids.openDataset}"]`);
    expect(await dataset.textContent()).toContain('bikes.csv');
    expect(await dataset.locator('.built').textContent()).toBe('1');
    expect(await page.locator('#datasets tr[data-id]').count()).toBe(1);

    const html = await page.content();
    expect(html).toContain('Bike &lt;Shop&gt; &amp; "Co"');
    for (const hidden of ['Hidden Helper', ids.privateAssistant, 'secret-prices.csv', ids.privateDataset]) expect(html).not.toContain(hidden);
    // Readable on a phone: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(errors).toEqual([]);
    await close();

    const phone = await open(links.alice, { width: 375, height: 800 });
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await phone.close();
  });
});
