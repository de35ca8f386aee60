import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../platform/infra/freePort.ts';
import {
  AuthenticationError,
  BadRequestError,
  Caravan,
  ConflictError,
  constructWebhookEvent,
  PaymentRequiredError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  UnsupportedMediaTypeError,
  type Schema,
} from '../sdk/src/index.ts';
import { startTestRuntime, type TestRuntime } from './helpers/testRuntime.ts';
import { writeTinyBase } from './helpers/tinyBase.ts';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhookReceiver.ts';
import { webChat, type WebChat } from './helpers/webChat.ts';

const FAQ = [
  'question,answer',
  'How long is the warranty on a frame?,Every frame has a two-year warranty from the day of purchase.',
  'Do you fix flat tyres?,Yes: a flat is fixed while you wait for a flat fee of 12 euros.',
  'Can I return a bike?,Bikes can be returned within 30 days with the receipt for a full refund.',
  '',
].join('\n');
const MAX_BYTES = 16 * 1024;
const QUOTA = 2;

/** What a call throws (or 'resolved'), to check errors' classes, statuses and codes. */
const failure = (p: Promise<unknown>) => p.then(() => 'resolved' as const, (e: unknown) => e);

/**
 * The SDK against the whole stack, as a developer and an enterprise use it: a personal key from
 * `/apikey new` in the web chat; a dataset uploaded, reviewed and listed; an assistant created,
 * its fine-tune followed to ready with progress and a loss plot; answers as JSON and as a stream,
 * with citations; an API license bought with `maxPrice`, a license key bound to it that answers
 * within its quota and nowhere else; receipts, earnings and a claim read from the chain; a
 * webhook whose signed ping the SDK verifies. Every endpoint's errors come as the SDK's classes
 * with `status` and `code`; what the SDK cannot send (bad JSON, wrong content types) is sent raw.
 * The steps build on each other.
 */
describe('@caravan/sdk against the real stack', () => {
  let rt: TestRuntime;
  const base = writeTinyBase();
  let devChat: WebChat;
  let buyerChat: WebChat;
  let dev: Caravan;
  let buyer: Caravan;
  let stranger: Caravan;
  let anonymous: Caravan;
  let receiver: WebhookReceiver;
  const ids = { upload: '', dataset: '', privateDataset: '', assistant: '', license: '', licenseKey: '', webhook: '' };

  const keyFrom = async (chat: WebChat, command: string) => {
    const token = /cvn_p_[A-Za-z0-9_-]{43}/.exec((await chat.say(command)).text)?.[0];
    if (!token) throw new Error(`no key in the answer to ${command}`);
    return token;
  };

  beforeAll(async () => {
    const port = await freePort();
    rt = await startTestRuntime({
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ENGINE_BASE_CHECKPOINT: base.file,
      ENGINE_FINETUNE_MIN_STEPS: '60',
      ENGINE_FINETUNE_MAX_STEPS: '60',
      ENGINE_SERVE_WORKERS: '1',
      ENGINE_TRAIN_WORKERS: '1',
      UPLOAD_MAX_BYTES: String(MAX_BYTES),
      FREE_QUESTIONS: '0',
      API_LICENSE_QUOTA: String(QUOTA),
      INDEXER_INTERVAL: '500ms',
      WEBHOOK_RETRY_BASE: '1s',
      WEBHOOK_SWEEP_INTERVAL: '1s',
      API_RATE_LIMIT_KEY: '10000',
      API_RATE_LIMIT_IP: '10000',
    });
    devChat = webChat(rt.url!);
    buyerChat = webChat(rt.url!);
    dev = new Caravan({ baseUrl: rt.url!, apiKey: await keyFrom(devChat, '/apikey new sdk tests') });
    buyer = new Caravan({ baseUrl: rt.url!, apiKey: await keyFrom(buyerChat, '/apikey new') });
    stranger = new Caravan({ baseUrl: rt.url!, apiKey: await keyFrom(webChat(rt.url!), '/apikey new') });
    anonymous = new Caravan({ baseUrl: rt.url! });
    receiver = await startWebhookReceiver();
  }, 120_000);
  afterAll(async () => {
    await receiver?.close();
    await rt?.close();
    base.remove();
  });

  it('reads the chain, and refuses missing, unknown and malformed keys with 401 and their codes', async () => {
    const chain = await anonymous.chain();
    expect(chain.chainId).toBe(rt.chain.chainId);
    expect(chain.contracts).toMatchObject({ receipts: rt.chain.addresses.receipts, licenses: rt.chain.addresses.licenses });
    expect(chain.currencies.map((c) => c.symbol)).toEqual(expect.arrayContaining(['ETH', 'USDC']));

    expect(await failure(anonymous.keys.list())).toMatchObject({ constructor: AuthenticationError, status: 401, code: 'missing_key' });
    const wrong = new Caravan({ baseUrl: rt.url!, apiKey: `cvn_p_${'Z'.repeat(43)}` });
    expect(await failure(wrong.chain())).toMatchObject({ status: 401, code: 'invalid_key' });
    expect(await failure(new Caravan({ baseUrl: rt.url!, apiKey: 'not a key' }).keys.list())).toMatchObject({ status: 401, code: 'invalid_key' });
  });

  it('manages keys: list, create, revoke (at once, only one\'s own)', async () => {
    const listed = await dev.keys.list();
    expect(listed.items.map((k) => k.name)).toEqual(['sdk tests']);
    const extra = await dev.keys.create({ kind: 'personal', name: 'ci' });
    expect(extra.token).toMatch(/^cvn_p_/);
    const ci = new Caravan({ baseUrl: rt.url!, apiKey: extra.token });
    expect((await ci.keys.list()).items.map((k) => k.name).sort()).toEqual(['ci', 'sdk tests']);
    expect(await failure(stranger.keys.revoke(extra.id))).toMatchObject({ constructor: NotFoundError, status: 404, code: 'not_found' });
    expect(await dev.keys.revoke(extra.id)).toEqual({ id: extra.id, revoked: true });
    expect(await failure(ci.keys.list())).toMatchObject({ status: 401, code: 'key_revoked' });
    expect(await failure(dev.keys.revoke(extra.id))).toMatchObject({ status: 404 });
    expect(await failure(dev.keys.create({ kind: 'license', license: '999999' }))).toMatchObject({ status: 404 });
    expect(await failure(dev.keys.create({ kind: 'license' }))).toMatchObject({ constructor: BadRequestError, code: 'bad_request' });
    // Unknown fields are refused, not ignored.
    expect(await failure(dev.client.post('/keys', { body: { kind: 'personal', admin: true } as never }))).toMatchObject({
      status: 400,
      message: expect.stringContaining('admin'),
    });
    // A page of one, then the rest.
    const first = await dev.keys.list({ limit: 1 });
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor === null || typeof first.nextCursor === 'string').toBe(true);
    expect(await failure(dev.keys.list({ cursor: 'bogus' }))).toMatchObject({ status: 400, message: expect.stringContaining('cursor') });
  });

  it('uploads a dataset, follows it through review, and lists it; others see it only when open', async () => {
    const up = await dev.datasets.upload({ name: 'bike-faq.csv', content: FAQ }, { access: 'open' });
    expect(up).toMatchObject({ fileName: 'bike-faq.csv', status: expect.stringMatching(/queued|processing|accepted/) });
    ids.upload = up.id;
    const done = await dev.uploads.wait(up.id, { intervalMs: 200, timeoutMs: 60_000 });
    expect(done).toMatchObject({ status: 'accepted', dataset: { id: expect.stringMatching(/^ds_/) } });
    ids.dataset = done.dataset!.id;
    const reviewed = await dev.datasets.waitForReview(ids.dataset, { intervalMs: 200, timeoutMs: 60_000 });
    expect(reviewed).toMatchObject({ status: 'approved', access: 'open', rows: 3, format: 'csv' });
    expect((await dev.datasets.list()).items.map((d) => d.id)).toContain(ids.dataset);
    // Open and approved: anyone may read its card.
    expect(await anonymous.datasets.get(ids.dataset)).toMatchObject({ id: ids.dataset });

    const priv = await dev.uploads.wait((await dev.datasets.upload({ name: 'notes.txt', content: 'Private notes about the shop.\n' })).id, { intervalMs: 200 });
    ids.privateDataset = priv.dataset!.id;
    for (const who of [stranger, anonymous]) expect(await failure(who.datasets.get(ids.privateDataset))).toMatchObject({ status: 404, code: 'not_found' });
    expect(await failure(stranger.uploads.get(ids.upload))).toMatchObject({ status: 404 });
    expect((await stranger.datasets.list()).items).toEqual([]);

    // Refused uploads: the wrong type (415), too large (413), a malformed file (a rejected upload, not an exception).
    expect(await failure(dev.datasets.upload({ name: 'tool.exe', content: 'MZ…' }))).toMatchObject({ constructor: UnsupportedMediaTypeError, status: 415 });
    expect(await failure(dev.datasets.upload({ name: 'big.txt', content: 'x'.repeat(MAX_BYTES * 2) }))).toMatchObject({ constructor: PayloadTooLargeError, status: 413 });
    const bad = await dev.uploads.wait((await dev.datasets.upload({ name: 'broken.jsonl', content: '{"a":1}\n{not json\n' })).id, { intervalMs: 200 });
    expect(bad).toMatchObject({ status: 'rejected', reason: expect.any(String) });
  }, 120_000);

  it('creates an assistant and follows its fine-tune to ready, with progress and a loss plot', async () => {
    const created = await dev.assistants.create({
      name: 'Bike Shop',
      instructions: 'Bike FAQ bot.',
      datasets: [ids.dataset],
      visibility: 'public',
      licenses: [{ kind: 'api', price: '2000000' }],
    });
    ids.assistant = created.id;
    expect(created).toMatchObject({ name: 'Bike Shop', visibility: 'public', status: 'training' });
    expect(await failure(stranger.finetunes.get(ids.assistant))).toMatchObject({ status: 404 });
    expect(await failure(stranger.assistants.create({ name: 'Copy', instructions: 'Copies the dev\'s data, privately.', datasets: [ids.privateDataset], visibility: 'private' }))).toMatchObject({
      status: 400,
    });

    const seen: Schema<'Finetune'>[] = [];
    const done = await dev.finetunes.wait(ids.assistant, { intervalMs: 250, timeoutMs: 240_000, onProgress: (f) => seen.push(f) });
    expect(done.status).toBe('ready');
    expect(done.progress).toMatchObject({ percent: 100, step: 60, totalSteps: 60 });
    expect(done.losses).toHaveLength(60);
    const midway = seen.filter((f) => f.status === 'training' && f.progress && f.progress.percent < 100);
    expect(midway.length).toBeGreaterThan(0);
    const png = await dev.finetunes.lossPlot(ids.assistant);
    expect(Buffer.from(png.subarray(0, 8)).toString('hex')).toBe('89504e470d0a1a0a');
    expect(await failure(stranger.finetunes.lossPlot(ids.assistant))).toMatchObject({ status: 404 });
  }, 300_000);

  it('answers with citations, as JSON and as a stream; lists and reads the assistant', async () => {
    const reply = await dev.assistants.ask(ids.assistant, 'Warranty on a frame?');
    expect(reply.assistant).toEqual({ id: ids.assistant, name: 'Bike Shop' });
    expect(reply.citations[0]).toMatchObject({ datasetName: 'bike-faq.csv', snippet: expect.stringContaining('two-year warranty') });
    expect(reply.usage).toBeNull();

    let text = '';
    let done: Schema<'ChatResponse'> | undefined;
    const kinds: string[] = [];
    for await (const e of dev.assistants.stream(ids.assistant, [{ role: 'user', content: 'Warranty on a frame?' }])) {
      kinds.push(e.type);
      if (e.type === 'delta') text += e.text;
      if (e.type === 'done') done = e.answer;
    }
    expect(kinds.at(-1)).toBe('done');
    expect(kinds.at(-2)).toBe('citations');
    expect(text).toBe(done!.text);
    expect(done!.citations).toEqual(reply.citations);

    expect((await anonymous.assistants.list()).items.map((a) => a.id)).toContain(ids.assistant);
    expect((await dev.assistants.list({ mine: 'true' })).items.map((a) => a.id)).toEqual([ids.assistant]);
    expect(await anonymous.assistants.get(ids.assistant)).toMatchObject({ status: 'ready', licenses: [{ kind: 'api', price: '2000000', quota: QUOTA }] });
    expect(await failure(anonymous.assistants.get('as_0000000000'))).toMatchObject({ status: 404 });
    // Priced: nobody but its creator and license holders gets an answer.
    expect(await failure(anonymous.assistants.ask(ids.assistant, 'Hi?'))).toMatchObject({ constructor: PaymentRequiredError, status: 402, assistant: ids.assistant });
    expect(await failure(stranger.assistants.ask(ids.assistant, 'Hi?'))).toMatchObject({ status: 402, code: 'license_required' });
    expect(await failure(dev.assistants.chat(ids.assistant, [{ role: 'assistant', content: 'Hello' }]))).toMatchObject({ status: 400 });
  }, 120_000);

  it('buys an API license with maxPrice, binds a key to it, and calls within the quota only', async () => {
    await rtOnChain();
    const offers = await anonymous.licenses.offers(ids.assistant);
    const offer = offers.items.find((o) => o.kind === 'api')!;
    expect(offer.price).toMatchObject({ amount: '2000000', text: '2 USDC' });
    expect(await failure(buyer.licenses.buy({ assistant: ids.assistant, kind: 'api', maxPrice: offer.price.amount }))).toMatchObject({
      constructor: PaymentRequiredError,
      status: 402,
      code: 'insufficient_funds',
    });
    expect((await buyerChat.say('/faucet')).text).toContain('🚰 Sent 100 USDC');
    expect(await failure(buyer.licenses.buy({ assistant: ids.assistant, kind: 'api', maxPrice: '1999999' }))).toMatchObject({ constructor: ConflictError, code: 'price_changed' });
    expect(await failure(buyer.licenses.buy({ assistant: ids.assistant, kind: 'perpetual', maxPrice: '1' }))).toMatchObject({ status: 404 });
    const bought = await buyer.licenses.buy({ assistant: ids.assistant, kind: 'api', maxPrice: offer.price.amount });
    expect(bought).toMatchObject({ kind: 'api', quota: QUOTA, valid: true });
    ids.license = bought.id;
    expect((await buyer.licenses.list()).items.map((l) => l.id)).toEqual([bought.id]);

    const key = await buyer.keys.create({ kind: 'license', license: bought.id, name: 'ERP' });
    expect(key.token).toMatch(/^cvn_l_/);
    const erp = new Caravan({ baseUrl: rt.url!, apiKey: key.token });
    for (let i = 1; i <= QUOTA; i++) expect((await erp.assistants.ask(ids.assistant, 'Fix flat tyres?')).usage).toMatchObject({ calls: i, quota: QUOTA });
    const spent = await failure(new Caravan({ baseUrl: rt.url!, apiKey: key.token, maxRetryWaitMs: 1000 }).assistants.ask(ids.assistant, 'And now?'));
    expect(spent).toMatchObject({ constructor: RateLimitError, status: 429, code: 'quota_exceeded' });
    expect((spent as RateLimitError).resetAt!.getTime()).toBeGreaterThan(Date.now());
    expect((await buyer.licenses.list()).items[0]!.usage).toMatchObject({ calls: QUOTA, quota: QUOTA });
    // Outside its scope.
    expect(await failure(erp.keys.list())).toMatchObject({ constructor: PermissionDeniedError, status: 403, code: 'key_scope' });
    expect(await failure(erp.datasets.get(ids.privateDataset))).toMatchObject({ status: 404 });
    await buyer.keys.revoke(key.id);
    expect(await failure(erp.assistants.get(ids.assistant))).toMatchObject({ status: 401, code: 'key_revoked' });
  }, 180_000);

  it('shows receipts and earnings read from the chain, and claims them', async () => {
    const receipts = await dev.receipts();
    expect(receipts.items.map((r) => r.role).sort()).toEqual(expect.arrayContaining(['contributor', 'creator']));
    const earned = await waitFor(async () => {
      const e = await dev.earnings.list();
      return e.items.some((l) => BigInt(l.claimable.amount) > 0n) ? e : undefined;
    });
    const total = earned.items.reduce((s, l) => s + BigInt(l.claimable.amount), 0n);
    // 2 USDC less the 5 % fee, split between the dataset's royalty and the creator: all of it is the dev's.
    expect(total).toBe(1_900_000n);
    const claimed = await dev.earnings.claim();
    expect(claimed.paid.length).toBeGreaterThan(0);
    expect((await dev.earnings.list()).items.every((l) => l.claimable.amount === '0')).toBe(true);
    expect(await failure(dev.earnings.claim())).toMatchObject({ status: 400 });
    const wallet = await dev.wallet();
    expect(wallet.balances.find((b) => b.currency.symbol === 'USDC')).toMatchObject({ amount: '1900000' });
  }, 120_000);

  it('registers a webhook whose signed ping the SDK verifies; deliveries are listed; foreign ids are 404', async () => {
    const hook = await dev.webhooks.create({ url: receiver.url, events: ['finetune.finished', 'dataset.reviewed'] });
    ids.webhook = hook.id;
    expect(hook.secret).toMatch(/^whsec_/);
    await dev.webhooks.test(hook.id);
    const got = await waitFor(async () => receiver.received.find((r) => JSON.parse(r.body).type === 'ping'));
    const event = constructWebhookEvent(got.body, got.headers['caravan-signature'], hook.secret);
    expect(event).toMatchObject({ type: 'ping' });
    expect(() => constructWebhookEvent(got.body, got.headers['caravan-signature'], 'whsec_wrong')).toThrow(/signature/);
    const deliveries = await waitFor(async () => {
      const d = await dev.webhooks.deliveries(hook.id);
      return d.items.some((x) => x.status === 'delivered') ? d : undefined;
    });
    expect(deliveries.items[0]).toMatchObject({ type: 'ping', status: 'delivered', attempts: 1, lastStatus: 200 });
    expect((await dev.webhooks.list()).items.map((w) => w.id)).toEqual([hook.id]);
    expect(await failure(stranger.webhooks.deliveries(hook.id))).toMatchObject({ status: 404 });
    expect(await failure(stranger.webhooks.delete(hook.id))).toMatchObject({ status: 404 });
    expect(await failure(dev.webhooks.create({ url: 'ftp://example.com/x', events: ['ping' as never] }))).toMatchObject({ status: 400 });
    await dev.webhooks.delete(hook.id);
    expect(await failure(dev.webhooks.deliveries(hook.id))).toMatchObject({ status: 404 });
  }, 60_000);

  it('answers what the SDK cannot send with clear 4xx: bad JSON, wrong content types, oversized bodies', async () => {
    const token = dev.client.options.apiKey!;
    const post = (path: string, body: string, type: string) =>
      fetch(`${rt.url}/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': type }, body });
    const cases = [
      { res: await post('/keys', '{"kind":', 'application/json'), status: 400, error: 'bad_request' },
      { res: await post('/keys', 'kind=personal', 'application/x-www-form-urlencoded'), status: 415, error: 'unsupported_media_type' },
      { res: await post('/datasets', FAQ, 'text/csv'), status: 415, error: 'unsupported_media_type' },
      { res: await post('/keys', JSON.stringify({ kind: 'personal', name: 'x'.repeat(100_000) }), 'application/json'), status: 413, error: 'too_large' },
      { res: await post(`/assistants/${ids.assistant}/chat`, '[]', 'application/json'), status: 400, error: 'bad_request' },
    ];
    for (const c of cases) expect({ status: c.res.status, body: await c.res.json() }).toMatchObject({ status: c.status, body: { error: c.error, message: expect.any(String) } });
    expect((await fetch(`${rt.url}/health`)).status).toBe(200);
  });

  it('serves every operation the document describes (none falls through to "No such endpoint")', async () => {
    const doc = (await (await fetch(`${rt.url}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const missing: string[] = [];
    for (const [p, item] of Object.entries(doc.paths))
      for (const method of Object.keys(item)) {
        const res = await fetch(`${rt.url}/v1${p.replace(/\{\w+\}/g, 'as_0000000000')}`, { method: method.toUpperCase() });
        const body = (await res.json().catch(() => ({}))) as { message?: string };
        if (res.status === 404 && body.message === 'No such endpoint.') missing.push(`${method} ${p}`);
      }
    expect(missing).toEqual([]);
  });

  /** The assistant's terms are on-chain once it is registered (the indexer mirrors them). */
  async function rtOnChain() {
    await waitFor(async () => {
      const a = await anonymous.assistants.get(ids.assistant);
      return a.licenses.every((l) => l.onChain) && a.licenses.length > 0;
    }, 90_000);
  }
});

async function waitFor<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 250));
  }
}
