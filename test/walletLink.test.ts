import fs from 'node:fs';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { eq, sql } from 'drizzle-orm';
import { createWalletClient, encodeFunctionData, http, isAddressEqual, toHex, type Address, type Hex, type LocalAccount } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { receiptsAbi, testStablecoinAbi } from '../contracts/bindings/index.ts';
import { receipts, users, walletLinks } from '../platform/db/schema.ts';
import { findUserByIdentity } from '../platform/identity/findUserByIdentity.ts';
import { freePort } from '../platform/infra/freePort.ts';
import { createLinkToken } from '../platform/wallets/createLinkToken.ts';
import { createWalletTxLink } from '../platform/wallets/createWalletTxLink.ts';
import { startTestRuntime, type TestRuntime } from './helpers/testRuntime.ts';
import { webChat, type WebChat, type WebMsg } from './helpers/webChat.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);

/** Anvil's second default account: the browser wallet of these tests. */
const WALLET_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';

type ProviderAnswer = { result?: unknown; error?: { code: number; message: string } };

/**
 * An EIP-1193 wallet in Node, reached from the page through `window.ethereum`: a viem local
 * account signs for real (SIWE with `personal_sign`, EIP-712 with `eth_signTypedData_v4`) and
 * sends transactions on the test chain. `rejectNext` makes the next request of a method fail as
 * a person pressing "Reject" (EIP-1193 code 4001).
 */
function createTestWallet(rt: TestRuntime, rpcUrl: string) {
  const wallet = {
    account: privateKeyToAccount(WALLET_KEY) as LocalAccount,
    /** The chain the wallet says it is on (default: the test chain). */
    chainId: undefined as number | undefined,
    rejectNext: undefined as string | undefined,
    /** Every SIWE message signed, with its signature. */
    signedMessages: [] as Array<{ message: string; signature: Hex }>,
    use(account: LocalAccount) {
      wallet.account = account;
    },
    async request(method: string, params: unknown[]): Promise<ProviderAnswer> {
      if (wallet.rejectNext === method) {
        wallet.rejectNext = undefined;
        return { error: { code: 4001, message: 'User rejected the request.' } };
      }
      const account = wallet.account;
      const mine = (a: unknown) => typeof a === 'string' && isAddressEqual(a as Address, account.address);
      switch (method) {
        case 'eth_requestAccounts':
        case 'eth_accounts':
          return { result: [account.address] };
        case 'eth_chainId':
          return { result: toHex(wallet.chainId ?? rt.chain.chainId) };
        case 'personal_sign': {
          const [data, from] = params as [Hex, string];
          if (!mine(from)) return { error: { code: 4100, message: 'Unknown account.' } };
          const signature = await account.signMessage({ message: { raw: data } });
          wallet.signedMessages.push({ message: Buffer.from(data.slice(2), 'hex').toString('utf8'), signature });
          return { result: signature };
        }
        case 'eth_signTypedData_v4': {
          const [from, json] = params as [string, string];
          if (!mine(from)) return { error: { code: 4100, message: 'Unknown account.' } };
          const typed = JSON.parse(json) as {
            domain: Record<string, unknown>;
            types: Record<string, Array<{ name: string; type: string }>>;
            primaryType: string;
            message: Record<string, unknown>;
          };
          const { EIP712Domain: _domain, ...types } = typed.types;
          // JSON carries integers as strings; viem signs bigints.
          const message = Object.fromEntries(
            Object.entries(typed.message).map(([k, v]) => {
              const type = types[typed.primaryType]!.find((f) => f.name === k)?.type ?? '';
              return [k, /^u?int\d*$/.test(type) ? BigInt(v as string) : v];
            }),
          );
          return { result: await account.signTypedData({ domain: typed.domain, types, primaryType: typed.primaryType, message } as never) };
        }
        case 'eth_sendTransaction': {
          const [tx] = params as [{ from: string; to: Address; data?: Hex; value?: Hex }];
          if (!mine(tx.from)) return { error: { code: 4100, message: 'Unknown account.' } };
          const client = createWalletClient({ account, chain: rt.chain.publicClient.chain, transport: http(rpcUrl) });
          return { result: await client.sendTransaction({ to: tx.to, data: tx.data ?? '0x', value: BigInt(tx.value ?? '0x0') }) };
        }
        default:
          return { error: { code: 4200, message: `Unsupported method ${method}.` } };
      }
    },
  };
  return wallet;
}

type TestWallet = ReturnType<typeof createTestWallet>;

/** Puts `wallet` into every page of `context` as `window.ethereum`. */
async function injectWallet(context: BrowserContext, wallet: TestWallet): Promise<void> {
  await context.exposeFunction('__caravanTestWallet', (method: string, params: unknown[]) => wallet.request(method, params));
  await context.addInitScript(() => {
    const call = (window as unknown as { __caravanTestWallet(m: string, p: unknown[]): Promise<ProviderAnswer> }).__caravanTestWallet;
    (window as unknown as { ethereum: unknown }).ethereum = {
      async request({ method, params }: { method: string; params?: unknown[] }) {
        const answer = await call(method, params ?? []);
        if (answer.error) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
        return answer.result;
      },
      on() {},
      removeListener() {},
    };
  });
}

/** The URL of the link button on a bot message. */
function linkOf(m: WebMsg): string {
  for (const row of m.controls?.rows ?? []) if ('buttons' in row) for (const b of row.buttons) if (b.kind === 'link') return b.url;
  throw new Error(`No link button on: ${m.text}`);
}

const post = (url: string, body: unknown = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The text of the page's step log once a line matching `pattern` appears. */
async function stepShown(page: Page, pattern: RegExp, timeout = 30_000): Promise<string> {
  await page.locator('#log li', { hasText: pattern }).first().waitFor({ timeout });
  return (await page.locator('#log').textContent()) ?? '';
}

/**
 * Linking a browser wallet, end to end: a web-chat user earns a receipt at their custodial
 * address, `/link` gives them the page, and in headless Chromium a real EIP-1193 wallet signs in
 * with SIWE and consents (EIP-712) to receive the receipt, which the custodial account moves with
 * `Receipts.rebind`. Then the refusals (replays, bad signatures, unknown and expired links, a wallet
 * linked elsewhere), `/unlink` and linking another wallet, which then sends a transaction page itself
 * (anvil's second key only signs: it sends no transaction, so it never races another test file for a nonce).
 * The steps build on each other (one person's journey); each says what it starts from.
 */
describe.skipIf(!hasChromium)('wallet link (SIWE) and receipts rebind, in a browser', () => {
  let rt: TestRuntime;
  let browser: Browser;
  let context: BrowserContext;
  let wallet: TestWallet;
  let chat: WebChat;
  let userId: number;
  let custodial: Address;
  let receiptId: bigint;
  let assetId: bigint;
  let shares: bigint;
  /** The first link: its token, and the SIWE message and signature that completed it. */
  let firstLink: { url: string; message: string; signature: Hex };
  const walletAddress = privateKeyToAccount(WALLET_KEY).address;
  const secondWallet = privateKeyToAccount(generatePrivateKey());

  const read = <const F extends 'ownerOf' | 'sharesOf' | 'getVotes' | 'receiptInfo' | 'nonces'>(functionName: F, args: readonly unknown[]) =>
    rt.chain.publicClient.readContract({ address: rt.chain.addresses.receipts, abi: receiptsAbi, functionName, args } as never) as Promise<unknown>;
  const userRow = async (id = userId) => (await rt.database.db.select().from(users).where(eq(users.id, id)))[0]!;
  const counts = async () =>
    (
      await rt.database.db.execute<{ links: number; linked: number; txs: number; tokens: number }>(
        sql`select (select count(*)::int from wallet_links) links, (select count(*)::int from wallet_links where linked_at is not null) linked,
                   (select count(*)::int from chain_txs) txs, (select count(*)::int from link_tokens where used_at is not null) tokens`,
      )
    ).rows[0]!;

  beforeAll(async () => {
    // The SIWE domain is the public URL's host: the page must be served there.
    const port = await freePort();
    rt = await startTestRuntime({ ENGINE: '0', PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context = await browser.newContext();
    wallet = createTestWallet(rt, inject('services').rpcUrl);
    await injectWallet(context, wallet);
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await rt?.close();
  });

  it('links the wallet by SIWE from /link, then moves the receipt to it with a signed rebind; votes follow', async () => {
    chat = webChat(rt.url!);
    await chat.say('/start');
    expect((await chat.upload('glossary.csv', 'term,meaning\ncaravan,"a group travelling together"\nreceipt,"an on-chain share"\n')).status).toBe(202);
    const done = await chat.waitFor((m) => m.text.startsWith('✅ Dataset'), { timeoutMs: 30_000, what: 'the receipt' });
    receiptId = BigInt(/Receipt #(\d+)/.exec(done.text)![1]!);
    const user = (await findUserByIdentity(rt.database, { platform: 'web', externalId: chat.chatId }))!;
    userId = user.id;
    custodial = user.custodialAddress as Address;
    [assetId, shares] = (await read('receiptInfo', [receiptId])) as [bigint, bigint];
    expect(await read('ownerOf', [receiptId])).toBe(custodial);

    const offer = await chat.say('/link');
    expect(offer.text).toContain('Caravan holds 1 receipt for you');
    expect(offer.text).toContain('The link works once, for 15 minutes');
    const url = linkOf(offer);
    expect(url).toMatch(new RegExp(`^${rt.url}/wallet/[A-Za-z0-9_-]{43}$`));

    const page = await context.newPage();
    const res = await page.goto(url);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'nonce-");

    // A rejected signature: said plainly, nothing linked, and the button works again.
    wallet.rejectNext = 'personal_sign';
    await page.click('#connect');
    expect(await stepShown(page, /You rejected the request/)).toContain(`Wallet: ${walletAddress}`);
    expect((await userRow()).walletAddress).toBeNull();

    const verified = page.waitForResponse((r) => r.url().endsWith('/verify'));
    await page.click('#connect');
    await stepShown(page, /✅ Linked/);
    const verifyResponse = await verified;
    const { rebindToken } = (await verifyResponse.json()) as { rebindToken: string };
    const sent = verifyResponse.request().postDataJSON() as { message: string; signature: Hex };
    firstLink = { url, ...sent };
    expect(sent.message).toContain(`${new URL(rt.url!).host} wants you to sign in with your Ethereum account:\n${walletAddress}`);
    expect(sent.message).toContain(`Chain ID: ${rt.chain.chainId}`);
    expect(wallet.signedMessages.at(-1)).toEqual(sent);
    expect((await userRow()).walletAddress).toBe(walletAddress);
    expect(await stepShown(page, /1 receipt \(#\d+\) wait/)).toContain(`#${receiptId}`);

    // A rebind signature over other values is refused by simulation: nothing sent, no gas paid, nothing moved.
    const before = { counts: await counts(), gas: await rt.chain.publicClient.getBalance({ address: custodial }) };
    const data = (await (await post(`${rt.url}/wallet/${rebindToken}/rebind-data`)).json()) as {
      typedData: { domain: { name: string; version: string; chainId: number; verifyingContract: Address } };
      deadline: string;
      nonce: string;
    };
    expect(data.typedData.domain).toEqual({ name: 'Caravan Receipts', version: '1', chainId: rt.chain.chainId, verifyingContract: rt.chain.addresses.receipts });
    const wrong = await privateKeyToAccount(WALLET_KEY).signTypedData({
      domain: data.typedData.domain,
      types: { Rebind: [{ name: 'from', type: 'address' }, { name: 'to', type: 'address' }, { name: 'nonce', type: 'uint256' }, { name: 'deadline', type: 'uint256' }] },
      primaryType: 'Rebind',
      message: { from: custodial, to: walletAddress, nonce: BigInt(data.nonce), deadline: BigInt(data.deadline) + 1n },
    });
    const refused = await post(`${rt.url}/wallet/${rebindToken}/rebind`, { signature: wrong, deadline: data.deadline, nonce: data.nonce });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'bad_request', message: expect.stringMatching(/signature does not allow this move.*Nothing was moved/) });
    expect(await counts()).toEqual(before.counts);
    expect(await rt.chain.publicClient.getBalance({ address: custodial })).toBe(before.gas);
    expect(await read('ownerOf', [receiptId])).toBe(custodial);

    await page.click('#move');
    expect(await stepShown(page, /✅ Moved/, 60_000)).toContain(`#${receiptId} to ${walletAddress}`);
    expect(await read('ownerOf', [receiptId])).toBe(walletAddress);
    expect(await read('sharesOf', [assetId, walletAddress])).toBe(shares);
    expect(await read('sharesOf', [assetId, custodial])).toBe(0n);
    expect(await read('getVotes', [walletAddress])).toBe(shares);
    expect(await read('getVotes', [custodial])).toBe(0n);
    const [row] = await rt.database.db.select().from(receipts).where(eq(receipts.chainReceiptId, receiptId));
    expect(row!.holderAddress).toBe(walletAddress);
    // The rebind link is spent.
    expect((await post(`${rt.url}/wallet/${rebindToken}/rebind-data`)).status).toBe(404);
    await page.close();
  });

  it('refuses a replayed sign-in (409 on a new link, 404 on the used one) and changes nothing', async () => {
    const before = { counts: await counts(), user: await userRow() };
    const replayed = await post(`${firstLink.url}/verify`, { message: firstLink.message, signature: firstLink.signature });
    expect(replayed.status).toBe(404);

    // A fresh link for the same person: the old message's nonce is spent.
    const offer = await chat.say('/link');
    expect(offer.text).toContain(`Your wallet ${walletAddress} is linked`);
    const again = linkOf(offer);
    const replay = await post(`${again}/verify`, { message: firstLink.message, signature: firstLink.signature });
    expect(replay.status).toBe(409);
    expect(await replay.json()).toMatchObject({ error: 'conflict', message: expect.stringContaining('used already') });

    // A message changed after it was issued is not Caravan's.
    const started = (await (await post(`${again}/siwe`, { address: walletAddress })).json()) as { message: string };
    const forged = started.message.replace(/Chain ID: \d+/, 'Chain ID: 1');
    const signature = await privateKeyToAccount(WALLET_KEY).signMessage({ message: forged });
    const tampered = await post(`${again}/verify`, { message: forged, signature });
    expect(tampered.status).toBe(400);
    expect(await tampered.json()).toMatchObject({ error: 'bad_request', message: 'This sign-in message was not issued by Caravan for this link.' });
    // A signature by another key over the real message.
    const impostor = await post(`${again}/verify`, { message: started.message, signature: await secondWallet.signMessage({ message: started.message }) });
    expect(impostor.status).toBe(400);
    expect(await impostor.json()).toMatchObject({ message: expect.stringContaining('The signature does not match') });
    expect((await post(`${again}/siwe`, { address: 'not-an-address' })).status).toBe(400);
    expect((await post(`${again}/verify`, { message: 'hello', signature: 'xyz' })).status).toBe(400);

    const after = await counts();
    expect({ ...after, links: before.counts.links }).toEqual(before.counts);
    expect(after.links).toBe(before.counts.links + 1); // the message issued by /siwe above, never linked
    expect(await userRow()).toEqual(before.user);
    expect((await fetch(again)).status).toBe(200);
  });

  it('answers unknown, expired and used links with the same 404', async () => {
    const unknown = `${rt.url}/wallet/${crypto.randomBytes(32).toString('base64url')}`;
    const expired = await createLinkToken({ db: rt.database.db, settings: { publicUrl: rt.url! } }, { userId, purpose: 'link', ttlMs: 20 });
    await new Promise((r) => setTimeout(r, 50));
    const messages = new Set<string>();
    for (const url of [unknown, expired.url, firstLink.url, `${rt.url}/wallet/short`]) {
      const page = await fetch(url);
      expect(page.status).toBe(404);
      expect(await page.text()).toContain('This link is unknown, expired or already used');
      const siwe = await post(`${url}/siwe`, { address: walletAddress });
      expect(siwe.status).toBe(404);
      const body = (await siwe.json()) as { error: string; message: string };
      expect(body.error).toBe('not_found');
      messages.add(body.message);
    }
    expect(messages.size).toBe(1);
  });

  it('refuses a wallet that is linked to another account, in the page', async () => {
    const stranger = webChat(rt.url!);
    const page = await context.newPage();
    await page.goto(linkOf(await stranger.say('/link')));
    await page.click('#connect');
    await stepShown(page, /This wallet is linked to another Caravan account/);
    const other = (await findUserByIdentity(rt.database, { platform: 'web', externalId: stranger.chatId }))!;
    expect(other.walletAddress).toBeNull();
    expect((await userRow()).walletAddress).toBe(walletAddress);
    await page.close();
  });

  it('unlinks (receipts stay with the wallet), then links another wallet', async () => {
    const question = await chat.say('/unlink');
    expect(question.text).toContain(`The 1 receipt already at ${walletAddress} stay there`);
    const unlinked = await chat.press(question, 'Unlink the wallet');
    expect(unlinked.text).toContain(`✅ ${walletAddress} is unlinked`);
    expect(unlinked.text).toContain(`The 1 receipt already at ${walletAddress} stay with that wallet.`);
    expect((await userRow()).walletAddress).toBeNull();
    const links = await rt.database.db.select().from(walletLinks).where(eq(walletLinks.userId, userId));
    for (const l of links.filter((x) => x.linkedAt)) expect(l.unlinkedAt).toBeInstanceOf(Date);
    expect(await read('ownerOf', [receiptId])).toBe(walletAddress);
    expect((await chat.say('/unlink')).text).toContain('No wallet is linked');

    wallet.use(secondWallet);
    const offer = await chat.say('/link');
    expect(offer.text).toContain('No receipts wait at the address Caravan keeps for you');
    const page = await context.newPage();
    await page.goto(linkOf(offer));
    await page.click('#connect');
    expect(await stepShown(page, /nothing to move/)).toContain(`✅ Linked: receipts Caravan issues to you from now on go to ${secondWallet.address}`);
    expect((await userRow()).walletAddress).toBe(secondWallet.address);
    await page.close();
  });

  it('tells a person without a wallet, or on another chain, what to do, and changes nothing', async () => {
    const before = { counts: await counts(), user: await userRow() };
    const url = linkOf(await chat.say('/link'));
    const bare = await browser.newContext();
    try {
      const page = await bare.newPage();
      await page.goto(url);
      await page.click('#connect');
      await stepShown(page, /No browser wallet was found/);
    } finally {
      await bare.close();
    }
    const page = await context.newPage();
    await page.goto(url);
    wallet.chainId = 1;
    try {
      await page.click('#connect');
      await stepShown(page, new RegExp(`Your wallet is on chain 1, but Caravan runs on chain ${rt.chain.chainId}`));
    } finally {
      wallet.chainId = undefined;
    }
    expect(await counts()).toEqual(before.counts);
    expect(await userRow()).toEqual(before.user);
    await page.close();
  });

  it('sends a transaction page from the linked wallet only, and checks it on-chain', async () => {
    const stablecoin = rt.chain.addresses.testStablecoin!;
    const spender = rt.chain.addresses.receipts;
    const approve = (amount: bigint) => encodeFunctionData({ abi: testStablecoinAbi, functionName: 'approve', args: [spender, amount] });
    const deps = { db: rt.database.db, settings: { publicUrl: rt.url! } };
    // The wallet linked last (the second one) pays its own gas.
    const linked = secondWallet.address;
    await rt.chain.publicClient.request({ method: 'anvil_setBalance' as never, params: [linked, toHex(10n ** 18n)] as never });
    expect((await userRow()).walletAddress).toBe(linked);
    const link = await createWalletTxLink(deps, {
      userId,
      title: 'Approve 5 USDC (test)',
      calls: [{ to: stablecoin, data: approve(5_000_000n), value: 0n, label: 'Approve 5 USDC' }],
      ttlMs: 10 * 60_000,
    });
    expect(link.url).toBe(`${rt.url}/wallet/tx/${link.token}`);

    const page = await context.newPage();
    await page.goto(link.url);
    expect(await page.locator('#title').textContent()).toBe('Approve 5 USDC (test)');
    wallet.use(privateKeyToAccount(WALLET_KEY));
    await page.click('#send');
    await stepShown(page, new RegExp(`must come from your linked wallet ${linked}`));
    wallet.use(secondWallet);
    const sentRequest = page.waitForRequest((r) => r.url().endsWith('/sent'));
    await page.click('#send');
    await stepShown(page, /✅ Done: “Approve 5 USDC” in block \d+/);
    const allowance = await rt.chain.publicClient.readContract({ address: stablecoin, abi: testStablecoinAbi, functionName: 'allowance', args: [linked, spender] });
    expect(allowance).toBe(5_000_000n);
    expect((await fetch(link.url)).status).toBe(404);
    await page.close();

    // Hashes of other transactions do not count: the link stays usable.
    const { hashes } = (await sentRequest).postDataJSON() as { hashes: Hex[] };
    const other = await createWalletTxLink(deps, {
      userId,
      title: 'Approve 7 USDC (test)',
      calls: [{ to: stablecoin, data: approve(7_000_000n), value: 0n, label: 'Approve 7 USDC' }],
      ttlMs: 10 * 60_000,
    });
    const wrong = await post(`${rt.url}/wallet/tx/${other.token}/sent`, { hashes });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ message: expect.stringContaining('is not “Approve 7 USDC”') });
    expect((await fetch(other.url)).status).toBe(200);
  });
});
