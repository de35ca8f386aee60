import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { erc20Abi, type Address } from 'viem';
import { licensesAbi, revenuePoolAbi } from '../contracts/bindings/index.ts';
import { createApiKey } from '../platform/apikeys/createApiKey.ts';
import { assets, assistants, licenseTerms, licenses } from '../platform/db/schema.ts';
import { findUserByIdentity } from '../platform/identity/findUserByIdentity.ts';
import { freePort } from '../platform/infra/freePort.ts';
import { custodialAccount } from '../platform/money/custodialAccount.ts';
import { createDashboardLink } from '../platform/dashboard/createDashboardLink.ts';
import { eventually, startTestRuntime, type TestRuntime } from './helpers/testRuntime.ts';
import { writeTinyBase } from './helpers/tinyBase.ts';
import { webChat, type WebChat, type WebMsg } from './helpers/webChat.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are checked field by field */
type Answer = { status: number; headers: Headers; body: any };

const TOKEN = { personal: /cvn_p_[A-Za-z0-9_-]{43}/, license: /cvn_l_[A-Za-z0-9_-]{43}/ };

/**
 * The money API and API keys end to end on a chain of its own (the test moves its clock): a creator
 * builds a public and a private assistant, each selling an API license of 3 calls; an enterprise
 * user funds from the faucet, gets a personal key with /apikey, buys the public assistant's API
 * license over REST, binds a key to it with /apikey license and calls the assistant: calls 1–3
 * answer, the 4th is 429 with the reset time. The license key is refused outside its assistant (403
 * where the assistant is visible, 404 where it is not) and on personal endpoints (403); a revoked key
 * is 401 at once; the private assistant's license, bought on-chain straight from the buyer's custodial
 * account, lets its key call it; past the expiry on the chain's clock every license key is 401. The
 * creator reads receipts and earnings from the chain and claims them; keys are listed, created and
 * revoked on the dashboard too. The steps build on each other.
 */
describe('money over REST, API keys in the chat and on the dashboard', () => {
  let rt: TestRuntime;
  const base = writeTinyBase();
  let creator: WebChat;
  let buyer: WebChat;
  let publicUrl: string;
  const ids = { dataset: '', public: '', private: '' };
  const keys = { buyer: '', creator: '', license: '', rest: '', privateLicense: '' };

  beforeAll(async () => {
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    rt = await startTestRuntime(
      {
        PORT: String(port),
        PUBLIC_URL: publicUrl,
        ENGINE_BASE_CHECKPOINT: base.file,
        ENGINE_FINETUNE_MIN_STEPS: '4',
        ENGINE_FINETUNE_MAX_STEPS: '4',
        ENGINE_SERVE_WORKERS: '1',
        ENGINE_TRAIN_WORKERS: '1',
        FREE_QUESTIONS: '0',
        API_LICENSE_QUOTA: '3',
        INDEXER_INTERVAL: '500ms',
      },
      // The chain's clock is moved past the licenses' expiry: other test files must not see it.
      { privateChain: true },
    );
    creator = webChat(rt.url!);
    buyer = webChat(rt.url!);
  });
  afterAll(async () => {
    await rt?.close();
    base.remove();
  });

  const api = async (method: string, path: string, opts: { key?: string; body?: unknown } = {}): Promise<Answer> => {
    const res = await fetch(`${rt.url}/v1${path}`, {
      method,
      headers: { ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}), ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    });
    return { status: res.status, headers: res.headers, body: await res.json() };
  };
  const ask = (assistant: string, key: string | undefined, content = 'How long is the warranty?') =>
    api('POST', `/assistants/${assistant}/chat`, { key, body: { messages: [{ role: 'user', content }] } });
  const userOf = async (c: WebChat) => (await findUserByIdentity(rt.database, { platform: 'web', externalId: c.chatId }))!;
  const usdc = () => rt.chain.addresses.testStablecoin!;
  const usdcOf = (holder: string) => rt.chain.publicClient.readContract({ address: usdc(), abi: erc20Abi, functionName: 'balanceOf', args: [holder as Address] });
  const tokenIn = (m: WebMsg, kind: keyof typeof TOKEN) => {
    const t = TOKEN[kind].exec(m.text)?.[0];
    if (!t) throw new Error(`No ${kind} key in: ${m.text}`);
    return t;
  };

  /** Builds an assistant with the wizard, selling only an API license at 2 USDC; waits until it is on-chain. */
  async function build(name: string, visibility: '🌐 Public' | '🔒 Private'): Promise<string> {
    const pick = await creator.submit(await creator.say('/newassistant'), { name, instructions: 'Answers questions about bikes from the FAQ.' });
    const vis = await creator.press(await creator.choose(pick, 'Pick datasets', [ids.dataset]), 'Continue');
    const confirm = await creator.submit(await creator.press(await creator.press(vis, visibility), 'Set prices'), { api: '2' });
    expect(confirm.text).toContain('API license (30 days, 3 calls): 2 USDC');
    await creator.press(confirm, 'Create and train');
    const training = await creator.waitFor((m) => m.text.startsWith(`🧠 Training ${name} (as_`), { what: 'training message' });
    const id = /\((as_[0-9a-z]{10})\)/.exec(training.text)![1]!;
    await creator.waitFor((m) => m.text.startsWith(`🧾 ${name} is on-chain`), { timeoutMs: 90_000, what: 'registration' });
    return id;
  }

  it('builds a public and a private assistant, each selling an API license of 3 calls for 2 USDC', async () => {
    expect((await creator.upload('bikes.csv', 'question,answer\nHow long is the warranty?,Two years on every frame.\nDo you fix flats?,Yes: while you wait.\n')).status).toBe(202);
    await creator.press(await creator.waitFor((m) => m.text.startsWith('Who may build assistants on bikes.csv'), { what: 'access question' }), 'Private');
    const done = await creator.waitFor((m) => m.text.startsWith('✅ Dataset'), { timeoutMs: 30_000, what: 'receipt' });
    ids.dataset = /Dataset (ds_[0-9a-z]{10})/.exec(done.text)![1]!;
    ids.public = await build('Bike Shop', '🌐 Public');
    ids.private = await build('Back Office', '🔒 Private');
    keys.creator = (await createApiKey(rt.database, { userId: (await userOf(creator)).id, kind: 'personal', name: 'creator' })).token;
  }, 300_000);

  it('lists the licenses on offer with the prices the chain asks; a private assistant is 404 to others', async () => {
    const offers = await api('GET', `/assistants/${ids.public}/licenses`);
    expect(offers.status).toBe(200);
    const [terms] = await rt.database.db
      .select()
      .from(licenseTerms)
      .innerJoin(assistants, eq(assistants.id, licenseTerms.assistantId))
      .where(eq(assistants.publicId, ids.public));
    expect(offers.body).toEqual({
      assistant: { id: ids.public, name: 'Bike Shop' },
      items: [
        {
          kind: 'api',
          description: 'API license (30 days, 3 calls)',
          price: { amount: '2000000', currency: { symbol: 'USDC', address: usdc(), decimals: 6 }, text: '2 USDC' },
          durationSeconds: 30 * 86_400,
          quota: 3,
          termsId: terms!.license_terms.chainTermsId!.toString(),
        },
      ],
    });
    const hidden = await api('GET', `/assistants/${ids.private}/licenses`);
    expect(hidden.status).toBe(404);
    expect(hidden.body.error).toBe('not_found');
    // Its creator sees it.
    const own = await api('GET', `/assistants/${ids.private}/licenses`, { key: keys.creator });
    expect(own.status).toBe(200);
    expect(own.body.items.map((o: any) => o.kind)).toEqual(['api']);
    expect((await api('GET', '/assistants/as_0000000000/licenses')).status).toBe(404);
  });

  it('/apikey new shows a personal key once, privately, with how to use it; /apikey lists it with a Revoke button', async () => {
    const created = await buyer.say('/apikey new ERP integration');
    keys.buyer = tokenIn(created, 'personal');
    expect(created.text).toContain('🔑 New personal key');
    expect(created.text).toContain('Copy the key now: it is shown this once');
    expect(created.text).toContain(`curl -H "Authorization: Bearer ${keys.buyer}" ${publicUrl}/v1/wallet`);
    expect(created.text).toContain(`${publicUrl}/docs`);

    const wallet = await api('GET', '/wallet', { key: keys.buyer });
    expect(wallet.status).toBe(200);
    const buyerUser = await userOf(buyer);
    expect(wallet.body).toMatchObject({ chainId: rt.chain.chainId, custodial: buyerUser.custodialAddress, linked: null });
    expect(wallet.body.balances).toContainEqual({ amount: '0', currency: { symbol: 'USDC', address: usdc(), decimals: 6 }, text: '0 USDC' });

    const list = await buyer.say('/apikey');
    expect(list.text).toMatch(/• ERP integration \(key_[0-9a-z]{10}\) — personal key · cvn_p_[A-Za-z0-9_-]{6}… · last used just now/);
    expect(list.text).not.toContain(keys.buyer);
    expect(list.controls?.rows?.[0]).toMatchObject({ buttons: [{ label: '🗑 Revoke ERP integration' }] });
  });

  it('refuses purchases it cannot make, paying nothing; then buys the API license over REST, once per idempotency key', async () => {
    const poor = webChat(rt.url!);
    await poor.say('/start');
    const poorKey = (await createApiKey(rt.database, { userId: (await userOf(poor)).id, kind: 'personal' })).token;
    const broke = await api('POST', '/licenses', { key: poorKey, body: { assistant: ids.public, kind: 'api', maxPrice: '2000000' } });
    expect(broke.status).toBe(402);
    expect(broke.body).toEqual({ error: 'insufficient_funds', message: expect.stringContaining('This license costs 2 USDC and your balance is 0 USDC: 2 USDC missing. Nothing was paid.') });

    expect((await buyer.say('/faucet')).text).toContain('🚰 Sent 100 USDC');
    const custodial = (await userOf(buyer)).custodialAddress;
    const before = await usdcOf(custodial);

    const cheap = await api('POST', '/licenses', { key: keys.buyer, body: { assistant: ids.public, kind: 'api', maxPrice: '1999999' } });
    expect(cheap.status).toBe(409);
    expect(cheap.body.error).toBe('price_changed');
    expect(cheap.body.message).toContain('The price changed to 2 USDC (you confirmed 1.999999 USDC). Nothing was paid');
    const wrongKind = await api('POST', '/licenses', { key: keys.buyer, body: { assistant: ids.public, kind: 'period', maxPrice: '2000000' } });
    expect(wrongKind.status).toBe(404);
    expect(wrongKind.body.message).toBe('Bike Shop sells no period license (it sells: api).');
    expect((await api('POST', '/licenses', { key: keys.buyer, body: { assistant: ids.private, kind: 'api', maxPrice: '2000000' } })).status).toBe(404);
    const unknownField = await api('POST', '/licenses', { key: keys.buyer, body: { assistant: ids.public, kind: 'api', maxPrice: '2000000', quantity: 2 } });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error).toBe('bad_request');
    expect((await api('POST', '/licenses', { key: keys.buyer, body: { assistant: ids.public, kind: 'api', maxPrice: '2 USDC' } })).status).toBe(400);
    expect((await api('POST', '/licenses', { body: { assistant: ids.public, kind: 'api', maxPrice: '2000000' } })).status).toBe(401);
    expect(await usdcOf(custodial)).toBe(before);
    expect(await rt.chain.publicClient.readContract({ address: rt.chain.addresses.licenses!, abi: licensesAbi, functionName: 'licenseCount' })).toBe(0n);

    const order = { assistant: ids.public, kind: 'api', maxPrice: '2500000', idempotencyKey: 'order-0001' };
    const bought = await api('POST', '/licenses', { key: keys.buyer, body: order });
    expect(bought.status).toBe(201);
    expect(bought.body).toMatchObject({
      id: '1',
      assistant: { id: ids.public, name: 'Bike Shop' },
      kind: 'api',
      valid: true,
      durationSeconds: 30 * 86_400,
      quota: 3,
      usage: { calls: 0, quota: 3 },
      pricePaid: { amount: '2000000', text: '2 USDC' },
      txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
    });
    const expiresOnChain = await rt.chain.publicClient.readContract({ address: rt.chain.addresses.licenses!, abi: licensesAbi, functionName: 'expiresAt', args: [1n] });
    expect(bought.body.expiresAt).toBe(new Date(Number(expiresOnChain) * 1000).toISOString());
    expect(bought.body.usage.periodEnd).toBe(bought.body.expiresAt);
    // A retry with the same key is the same purchase, paid once.
    const retried = await api('POST', '/licenses', { key: keys.buyer, body: order });
    expect(retried.status).toBe(201);
    expect(retried.body.id).toBe('1');
    expect(retried.body.txHash).toBe(bought.body.txHash);
    expect(await usdcOf(custodial)).toBe(before - 2_000_000n);
    const wallet = await api('GET', '/wallet', { key: keys.buyer });
    expect(wallet.body.balances).toContainEqual(expect.objectContaining({ amount: (before - 2_000_000n).toString(), text: '98 USDC' }));

    const mine = await api('GET', '/licenses', { key: keys.buyer });
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual({ items: [expect.objectContaining({ id: '1', kind: 'api', valid: true, usage: { calls: 0, quota: 3, periodEnd: bought.body.expiresAt } })], nextCursor: null });
  });

  it('/apikey license binds a key to the license: it chats with its assistant exactly 3 times, then 429 with the reset time', async () => {
    const created = await buyer.say('/apikey license #1 backend');
    keys.license = tokenIn(created, 'license');
    expect(created.text).toContain('🔑 New license key for license #1 (Bike Shop)');
    expect(created.text).toContain(`${publicUrl}/v1/assistants/${ids.public}/chat`);
    expect((await buyer.say('/apikey license 7')).text).toContain('You hold no API license #7');

    // Outside its scope, without spending a call: the private assistant is unknown to it, personal endpoints are closed.
    const hidden = await ask(ids.private, keys.license);
    expect(hidden.status).toBe(404);
    expect(hidden.body.error).toBe('not_found');
    for (const [method, path] of [
      ['GET', '/wallet'],
      ['GET', '/licenses'],
      ['GET', '/receipts'],
      ['GET', '/earnings'],
      ['POST', '/earnings/claim'],
      ['GET', '/keys'],
    ] as const) {
      const refused = await api(method, path, { key: keys.license });
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.body.error).toBe('key_scope');
    }
    expect((await api('POST', '/licenses', { key: keys.license, body: { assistant: ids.public, kind: 'api', maxPrice: '2000000' } })).status).toBe(403);
    // Its own assistant's offers (to renew) are open to it.
    expect((await api('GET', `/assistants/${ids.public}/licenses`, { key: keys.license })).status).toBe(200);

    for (const n of [1, 2, 3]) {
      const answer = await ask(ids.public, keys.license);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.text.length).toBeGreaterThan(0);
      expect(answer.body.usage).toMatchObject({ calls: n, quota: 3 });
    }
    const spent = await ask(ids.public, keys.license);
    expect(spent.status).toBe(429);
    const [row] = await rt.database.db.select().from(licenses).where(eq(licenses.chainLicenseId, 1n));
    expect(spent.body).toEqual({ error: 'quota_exceeded', message: expect.stringContaining('has used its 3 calls'), resetAt: row!.expiresAt!.toISOString() });
    const retryAfter = Number(spent.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(29 * 86_400);
    expect(retryAfter).toBeLessThanOrEqual(31 * 86_400);
    expect((await ask(ids.public, keys.license)).status).toBe(429);

    const mine = await api('GET', '/licenses', { key: keys.buyer });
    expect(mine.body.items[0].usage).toEqual({ calls: 3, quota: 3, periodEnd: row!.expiresAt!.toISOString() });
  });

  it('revokes a key with the Revoke button in /apikey: the next request with it is 401 key_revoked', async () => {
    const created = await api('POST', '/keys', { key: keys.buyer, body: { kind: 'license', license: '1', name: 'rest' } });
    expect(created.status).toBe(201);
    keys.rest = created.body.token;
    expect((await api('GET', `/assistants/${ids.public}`, { key: keys.rest })).status).toBe(200);

    const list = await buyer.say('/apikey');
    expect(list.text).toMatch(/• rest \(key_[0-9a-z]{10}\) — license key for license #1 \(Bike Shop, as_[0-9a-z]{10}\) · cvn_l_/);
    expect(list.text).toContain('• backend (');
    expect(list.text).toContain('• ERP integration (');
    const after = await buyer.press(list, '🗑 Revoke rest');
    expect(after.text).toContain(`✅ Revoked “rest” (${created.body.id}): requests with it are refused from now on.`);
    expect(after.text).not.toContain('• rest (');
    expect(after.controls?.rows?.flatMap((r) => ('buttons' in r ? r.buttons.map((b) => b.label) : []))).toEqual(['🗑 Revoke backend', '🗑 Revoke ERP integration']);

    const refused = await api('GET', `/assistants/${ids.public}`, { key: keys.rest });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('key_revoked');
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    expect((await api('GET', '/keys', { key: keys.buyer })).body.items.map((k: any) => k.name)).toEqual(['backend', 'ERP integration']);
  });

  it("lets the key of a private assistant's API license, bought on-chain from the buyer's custodial account, call it — and only it", async () => {
    const user = await userOf(buyer);
    const [terms] = await rt.database.db
      .select({ chainTermsId: licenseTerms.chainTermsId, price: licenseTerms.price })
      .from(licenseTerms)
      .innerJoin(assistants, eq(assistants.id, licenseTerms.assistantId))
      .where(and(eq(assistants.publicId, ids.private), eq(licenseTerms.kind, 'api')));
    // Private assistants are not sold in the chat or over REST to others: this buyer pays the contract itself.
    const account = await custodialAccount(rt.money, user.id);
    const { walletClient, publicClient, addresses } = rt.chain;
    const mined = async (hash: `0x${string}`) => expect((await publicClient.waitForTransactionReceipt({ hash })).status).toBe('success');
    await mined(await walletClient.writeContract({ account, chain: walletClient.chain, address: usdc(), abi: erc20Abi, functionName: 'approve', args: [addresses.licenses!, terms!.price] }));
    await mined(
      await walletClient.writeContract({ account, chain: walletClient.chain, address: addresses.licenses!, abi: licensesAbi, functionName: 'purchase', args: [terms!.chainTermsId!, account.address, terms!.price] }),
    );
    // The indexer mirrors the purchase to the user owning the recipient address.
    await eventually(async () => (await rt.database.db.select().from(licenses).where(and(eq(licenses.chainLicenseId, 2n), eq(licenses.userId, user.id))))[0], 30_000, 'the indexed license');

    const created = await api('POST', '/keys', { key: keys.buyer, body: { kind: 'license', license: '2', name: 'back office' } });
    expect(created.status).toBe(201);
    keys.privateLicense = created.body.token;
    const card = await api('GET', `/assistants/${ids.private}`, { key: keys.privateLicense });
    expect(card.status).toBe(200);
    expect(card.body.visibility).toBe('private');
    const answer = await ask(ids.private, keys.privateLicense);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ assistant: { id: ids.private, name: 'Back Office' }, usage: { calls: 1, quota: 3 } });
    // The public assistant is visible to it but outside its scope.
    const other = await ask(ids.public, keys.privateLicense);
    expect(other.status).toBe(403);
    expect(other.body.error).toBe('key_scope');
    // Still a stranger to the buyer's personal key.
    expect((await ask(ids.private, keys.buyer)).status).toBe(404);

    const mine = await api('GET', '/licenses?limit=1', { key: keys.buyer });
    expect(mine.body.items).toEqual([expect.objectContaining({ id: '2', assistant: { id: ids.private, name: 'Back Office' }, usage: expect.objectContaining({ calls: 1 }) })]);
    const next = await api('GET', `/licenses?limit=1&cursor=${mine.body.nextCursor}`, { key: keys.buyer });
    expect(next.body).toEqual({ items: [expect.objectContaining({ id: '1', usage: expect.objectContaining({ calls: 3 }) })], nextCursor: null });
    expect((await api('GET', '/licenses?cursor=nonsense', { key: keys.buyer })).status).toBe(400);
  });

  it("gives the creator their receipts and earnings as the chain has them, page by page, and claims them", async () => {
    const pages: any[] = [];
    let cursor: string | null = null;
    do {
      const page: Answer = await api('GET', `/receipts?limit=1${cursor ? `&cursor=${cursor}` : ''}`, { key: keys.creator });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(1);
      pages.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    const all = await api('GET', '/receipts?limit=100', { key: keys.creator });
    expect(pages).toEqual(all.body.items);
    expect(all.body.nextCursor).toBeNull();
    const creatorAddress = (await userOf(creator)).custodialAddress;
    expect(all.body.items).toContainEqual(
      expect.objectContaining({ role: 'contributor', asset: expect.objectContaining({ kind: 'dataset', name: 'bikes.csv', publicId: ids.dataset }), holder: creatorAddress, share: '100 %' }),
    );
    expect(all.body.items).toContainEqual(expect.objectContaining({ role: 'creator', asset: expect.objectContaining({ kind: 'assistant', name: 'Bike Shop', publicId: ids.public }), share: '100 %' }));
    for (const r of all.body.items) {
      expect(r.txHash).toMatch(/^0x[0-9a-f]{64}$/);
      expect(r.shares).toBe(r.totalShares);
    }
    expect((await api('GET', '/receipts', { key: keys.buyer })).body).toEqual({ items: [], nextCursor: null });

    // Two API licenses at 2 USDC: 5 % fee, 20 % of the rest to the dataset (0.38 each), each assistant keeps 1.52.
    const earnings = await api('GET', '/earnings', { key: keys.creator });
    expect(earnings.status).toBe(200);
    const claimableOnChain = async (assetId: bigint) =>
      rt.chain.publicClient.readContract({ address: rt.chain.addresses.revenuePool!, abi: revenuePoolAbi, functionName: 'claimable', args: [assetId, usdc(), creatorAddress as Address] });
    const assetRows = await rt.database.db.select().from(assets);
    for (const [name, kind, units, text] of [
      ['Bike Shop', 'assistant', 1_520_000n, '1.52 USDC'],
      ['Back Office', 'assistant', 1_520_000n, '1.52 USDC'],
      ['bikes.csv', 'dataset', 760_000n, '0.76 USDC'],
    ] as const) {
      const line = earnings.body.items.find((l: any) => l.asset.name === name);
      expect(line, name).toMatchObject({ asset: { kind }, holder: creatorAddress, claimable: { amount: units.toString(), text }, share: '100 %' });
      const asset = assetRows.find((a) => a.chainAssetId.toString() === line.asset.id)!;
      expect(await claimableOnChain(asset.chainAssetId)).toBe(units);
    }

    const before = await usdcOf(creatorAddress);
    const claimed = await api('POST', '/earnings/claim', { key: keys.creator });
    expect(claimed.status).toBe(200);
    expect(claimed.body).toEqual({
      paid: [{ amount: '3800000', currency: { symbol: 'USDC', address: usdc(), decimals: 6 }, text: '3.8 USDC', txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) }],
      walletClaimable: [],
    });
    expect(await usdcOf(creatorAddress)).toBe(before + 3_800_000n);
    const nothing = await api('POST', '/earnings/claim', { key: keys.creator });
    expect(nothing.status).toBe(400);
    expect(nothing.body.message).toContain('Nothing to claim yet');
    expect((await api('GET', '/earnings', { key: keys.creator })).body.items.every((l: any) => l.claimable.amount === '0')).toBe(true);
  });

  it('lists keys on the dashboard, creates one there (its token shown once) and revokes one', async () => {
    const user = await userOf(buyer);
    const { token } = await createDashboardLink(rt.money, { userId: user.id });
    const page = await fetch(`${rt.url}/me/${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("form-action 'self'");
    const body = await page.text();
    const listed = [...body.matchAll(/<tr data-key="(key_[0-9a-z]{10})">/g)].map((m) => m[1]);
    expect(listed).toHaveLength(3); // ERP integration, backend, back office
    expect(body).not.toMatch(/cvn_[pl]_[A-Za-z0-9_-]{43}/);
    expect(body).toContain('<option value="license:1">API license #1 (Bike Shop)</option>');

    const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(), redirect: 'manual' as const });
    const created = await fetch(`${rt.url}/me/${token}/keys`, form({ name: 'from the dashboard', for: 'personal' }));
    expect(created.status).toBe(201);
    const createdPage = await created.text();
    const shown = /<code id="new-token">(cvn_p_[A-Za-z0-9_-]{43})<\/code>/.exec(createdPage)?.[1];
    expect(shown).toBeDefined();
    expect((await api('GET', '/wallet', { key: shown! })).status).toBe(200);
    // Shown once: the dashboard never shows it again.
    expect(await (await fetch(`${rt.url}/me/${token}`)).text()).not.toContain(shown!);

    const bad = await fetch(`${rt.url}/me/${token}/keys`, form({ name: 'x', for: 'license:99' }));
    expect(bad.status).toBe(404);
    expect(await bad.text()).toContain('You hold no API license #99.');

    const newId = /<div class="newkey" id="new-key" data-key="(key_[0-9a-z]{10})">/.exec(createdPage)![1]!;
    const revoked = await fetch(`${rt.url}/me/${token}/keys/${newId}/revoke`, form({}));
    expect(revoked.status).toBe(303);
    expect(revoked.headers.get('location')).toBe(`/me/${token}?revoked=${newId}#apikeys`);
    const shownAfter = await (await fetch(`${rt.url}${revoked.headers.get('location')!.replace(/#.*/, '')}`)).text();
    expect(shownAfter).toContain(`Key ${newId} is revoked`);
    expect(shownAfter).not.toContain(`<tr data-key="${newId}">`);
    expect((await api('GET', '/wallet', { key: shown! })).body.error).toBe('key_revoked');
    // Someone else's dashboard link cannot touch these keys.
    const { token: other } = await createDashboardLink(rt.money, { userId: (await userOf(creator)).id });
    expect((await fetch(`${rt.url}/me/${other}/keys/${listed[0]}/revoke`, form({}))).status).toBe(404);
    expect((await api('GET', '/wallet', { key: keys.buyer })).status).toBe(200);
    expect((await fetch(`${rt.url}/me/${'x'.repeat(43)}/keys`, form({ for: 'personal' }))).status).toBe(404);
  });

  it('refuses every license key once the chain passes the expiry (401 key_expired); personal keys go on', async () => {
    await rt.chain.publicClient.request({ method: 'evm_increaseTime' as never, params: [31 * 86_400] as never });
    await rt.chain.publicClient.request({ method: 'evm_mine' as never, params: [] as never });
    for (const key of [keys.license, keys.privateLicense]) {
      const refused = await ask(ids.public, key);
      expect(refused.status).toBe(401);
      expect(refused.body.error).toBe('key_expired');
      expect(refused.body.message).toMatch(/License #\d expired on \d{4}-\d\d-\d\d; renew it to use this key\./);
    }
    const mine = await api('GET', '/licenses', { key: keys.buyer });
    expect(mine.body.items.map((l: any) => [l.id, l.valid])).toEqual([
      ['2', false],
      ['1', false],
    ]);
    expect((await api('GET', '/wallet', { key: keys.buyer })).status).toBe(200);
  });
});
