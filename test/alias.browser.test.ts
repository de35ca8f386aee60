import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { eq } from 'drizzle-orm';
import type { Address } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { readAliasStatus } from '../governance/alias/readAliasStatus.ts';
import { remindAliasRenewals } from '../governance/alias/remindAliasRenewals.ts';
import { createJobsPort } from '../jobs/createJobsPort.ts';
import { hubAliases, hubVotes } from '../platform/db/schema.ts';
import { findUserByIdentity } from '../platform/identity/findUserByIdentity.ts';
import { freePort } from '../platform/infra/freePort.ts';
import { createInjectedWallet, injectWallet, stepShown, type InjectedWallet } from './helpers/injectedWallet.ts';
import { startTestRuntime, type TestRuntime } from './helpers/testRuntime.ts';
import { webChat, type WebChat, type WebMsg } from './helpers/webChat.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);

function linkOf(m: WebMsg, label: string): string {
  for (const row of m.controls?.rows ?? []) if ('buttons' in row) for (const b of row.buttons) if (b.kind === 'link' && b.label === label) return b.url;
  throw new Error(`No link button “${label}” on: ${m.text}\n${JSON.stringify(m.controls)}`);
}
const aliasUrlOf = (m: WebMsg) => {
  const url = /https?:\/\/\S+\/wallet\/alias\/[\w-]+/.exec(m.text)?.[0];
  if (!url) throw new Error(`No alias page in: ${m.text}`);
  return url;
};

/**
 * Voting from the chat for votes held by a linked wallet, in headless Chromium with an injected
 * EIP-1193 wallet (a viem key, real signatures): the wallet signs Snapshot's alias message on the
 * alias page, the hub records it; proposals and votes from the chat are then signed by the
 * platform-held alias for the wallet and counted with the wallet's voting power. A page opened with
 * another account stores nothing; a used page is gone; `/alias revoke` stops it at once; after 30
 * days it is no longer in force.
 */
describe.skipIf(!hasChromium)('voting alias of a linked wallet', () => {
  let rt: TestRuntime;
  let browser: Browser;
  let context: BrowserContext;
  let wallet: InjectedWallet;
  let carol: WebChat;
  const account = privateKeyToAccount(generatePrivateKey());

  beforeAll(async () => {
    const port = await freePort();
    rt = await startTestRuntime({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, ENGINE: '0' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context = await browser.newContext();
    wallet = createInjectedWallet({ account, chain: rt.chain.publicClient.chain, rpcUrl: inject('services').rpcUrl });
    await injectWallet(context, wallet);
    carol = webChat(rt.url!);
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await rt?.close();
  });

  const userOf = async (c: WebChat) => (await findUserByIdentity(rt.database, { platform: 'web', externalId: c.chatId }))!;
  const openAliasPage = async (url: string, expected: RegExp) => {
    const page = await context.newPage();
    try {
      await page.goto(url);
      await page.click('#sign');
      return await stepShown(page, expected);
    } finally {
      await page.close();
    }
  };

  it('links the wallet, whose receipt carries the votes, and refuses chat votes until an alias is authorised', async () => {
    const offer = await carol.say('/link');
    const page = await context.newPage();
    await page.goto(linkOf(offer, 'Open the wallet page'));
    await page.click('#connect');
    expect(await stepShown(page, /nothing to move/)).toContain(`✅ Linked: receipts Caravan issues to you from now on go to ${account.address}`);
    await page.close();

    expect((await carol.upload('rules.csv', 'rule,text\nquorum,4 percent of all votes\n')).status).toBe(202);
    await carol.press(await carol.waitFor((m) => m.text.startsWith('Who may build assistants on rules.csv'), { what: 'access question' }), 'Open');
    await carol.waitFor((m) => m.text.startsWith('✅ Dataset'), { timeoutMs: 30_000, what: 'receipt' });

    const form = await carol.say('/proposal new');
    const refused = await carol.submit(form, { title: 'Adopt the rules', choices: 'Yes\nNo', type: 'single-choice', duration: '2h' });
    expect(refused.text).toContain('let it authorise your voting alias once');
  }, 90_000);

  it('authorises the alias on its page; another account on the page stores nothing; a used page is gone', async () => {
    const first = await carol.say('/alias');
    expect(first.text).toContain(`your wallet ${account.address} signs once (no gas)`);
    const other = privateKeyToAccount(generatePrivateKey());
    wallet.use(other);
    expect(await openAliasPage(aliasUrlOf(first), /Switch accounts/)).toContain(`but the alias is for your linked wallet ${account.address}`);
    expect(await rt.database.db.select().from(hubAliases)).toHaveLength(0);
    wallet.use(account);

    expect(await openAliasPage(aliasUrlOf(first), /Done|❌/)).toContain('✅ Done: your chat votes are signed for');
    const [stored] = await rt.database.db.select().from(hubAliases);
    expect(stored!.address).toBe(account.address);
    expect((await fetch(aliasUrlOf(first))).status).toBe(404);
    expect((await carol.say('/alias')).text).toMatch(/lets 0x[0-9a-fA-F]{40} sign your votes until/);
  }, 60_000);

  it('proposes and votes from the chat with the wallet’s voting power; revoking stops it at once; 30 days end it', async () => {
    const form = await carol.say('/proposal new');
    const card = await carol.submit(form, { title: 'Adopt the rules', choices: 'Yes\nNo', type: 'single-choice', duration: '2h' });
    expect(card.text).toContain('✅ Proposal created');
    const voted = await carol.press(card, 'Yes');
    expect(Number(/with ([\d,.e+-]+) votes/.exec(voted.text)?.[1]?.replace(/,/g, ''))).toBeGreaterThan(0);
    const votes = await rt.database.db.select().from(hubVotes).where(eq(hubVotes.voter, account.address as Address));
    expect(votes).toHaveLength(1);

    expect((await carol.say('/alias revoke')).text).toContain('Your voting alias is revoked');
    expect((await carol.press(card, 'No')).text).toContain('let it authorise your voting alias once');
    expect((await rt.database.db.select().from(hubVotes).where(eq(hubVotes.voter, account.address as Address)))[0]!.choice).toBe(1);

    // Authorised again, it is in force for 30 days from its message, not after.
    expect(await openAliasPage(aliasUrlOf(await carol.say('/alias')), /Done|❌/)).toContain('✅ Done');
    const user = await userOf(carol);
    const status = await readAliasStatus({ db: rt.database.db, masterKey: rt.money.masterKey }, { userId: user.id });
    expect(status.validUntil).toBeGreaterThan(Date.now() / 1000 + 29 * 86_400);
    const later = await readAliasStatus({ db: rt.database.db, masterKey: rt.money.masterKey }, { userId: user.id, now: status.validUntil! + 1 });
    expect(later.validUntil).toBeUndefined();

    // Three days before the end, one reminder by DM (however often the pass runs); none before.
    const jobs = createJobsPort(rt.queues);
    expect(await remindAliasRenewals({ db: rt.database.db, jobs }, { now: status.validUntil! - 4 * 86_400 })).toBe(0);
    expect(await remindAliasRenewals({ db: rt.database.db, jobs }, { now: status.validUntil! - 2 * 86_400 })).toBe(1);
    expect(await remindAliasRenewals({ db: rt.database.db, jobs }, { now: status.validUntil! - 86_400 })).toBe(0);
    expect((await carol.waitFor((m) => m.text.startsWith('🗝 Your voting alias for'), { what: 'renewal reminder' })).text).toContain('/alias renews it');
  }, 60_000);
});
