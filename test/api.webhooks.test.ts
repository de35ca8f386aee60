import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestRuntime, type TestRuntime } from './helpers/testRuntime.ts';
import { writeTinyBase } from './helpers/tinyBase.ts';
import { webChat, type WebChat } from './helpers/webChat.ts';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhookReceiver.ts';
import { createApiKey } from '../platform/apikeys/createApiKey.ts';
import { findUserByIdentity } from '../platform/identity/findUserByIdentity.ts';
import { verifyWebhookSignature } from '../platform/webhooks/signature.ts';

type Event = { id: string; type: string; createdAt: string; data: Record<string, unknown> };

/**
 * Webhooks on the whole stack: developers register URLs over `/v1`, then real things happen in
 * the web chat — a dataset approved, an assistant fine-tuned, a license bought and its earnings
 * credited — and each receiver (a local server) gets each event once, signed with its secret.
 * A receiver that fails twice gets its event on the third attempt, and only then.
 */
describe('api: webhooks', () => {
  let rt: TestRuntime;
  const base = writeTinyBase();
  let contributor: WebChat;
  let creator: WebChat;
  let buyer: WebChat;
  const tokens = new Map<WebChat, string>();
  let good: WebhookReceiver;
  let flaky: WebhookReceiver;
  const secrets = new Map<string, string>();
  const hooks: Record<string, string> = {};
  let assistantId: string;
  let datasetId: string;

  beforeAll(async () => {
    [rt, good, flaky] = await Promise.all([
      startTestRuntime({
        ENGINE_BASE_CHECKPOINT: base.file,
        ENGINE_FINETUNE_MIN_STEPS: '4',
        ENGINE_FINETUNE_MAX_STEPS: '4',
        ENGINE_SERVE_WORKERS: '1',
        ENGINE_TRAIN_WORKERS: '1',
        INDEXER_INTERVAL: '500ms',
        EARNINGS_DIGEST_WINDOW: '1s',
        WEBHOOK_RETRY_BASE: '300ms',
        WEBHOOK_SWEEP_INTERVAL: '1s',
      }),
      startWebhookReceiver(),
      // Fails the first two attempts of each event, then accepts it.
      startWebhookReceiver((_n, req) => ({ status: flaky.received.filter((r) => r.headers['caravan-event-id'] === req.headers['caravan-event-id']).length < 2 ? 503 : 200 })),
    ]);
    contributor = webChat(rt.url!);
    creator = webChat(rt.url!);
    buyer = webChat(rt.url!);
    for (const who of [contributor, creator, buyer]) {
      await who.say('/wallet');
      const user = await findUserByIdentity(rt.database, { platform: 'web', externalId: who.chatId });
      tokens.set(who, (await createApiKey(rt.database, { userId: user!.id, kind: 'personal' })).token);
    }
  });
  afterAll(async () => {
    await rt?.close();
    await good?.close();
    await flaky?.close();
    base.remove();
  });

  const api = (who: WebChat | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${rt.url}/v1${path}`, {
      method,
      headers: {
        ...(who ? { authorization: `Bearer ${tokens.get(who)}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
  const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> });
  const register = async (who: WebChat, name: string, url: string, events: string[]) => {
    const { status, body } = await json(await api(who, 'POST', '/webhooks', { url, events }));
    expect(status).toBe(201);
    hooks[name] = body.id as string;
    secrets.set(body.id as string, body.secret as string);
    return body;
  };
  /** The events `receiver` accepted for webhook `name`, each checked against its secret. */
  const accepted = (receiver: WebhookReceiver, name: string) =>
    receiver.received
      .filter((r) => r.status < 300 && JSON.parse(r.body) && r.headers['caravan-signature'] && verifyWebhookSignature(secrets.get(hooks[name]!)!, r.headers['caravan-signature'] as string, r.body))
      .map((r) => JSON.parse(r.body) as Event);
  const waitForEvent = (receiver: WebhookReceiver, name: string, predicate: (e: Event) => boolean, what: string) =>
    eventually(async () => accepted(receiver, name).find(predicate), 60_000, what);

  it('registers webhooks with a personal key (the secret shown once) and refuses bad input', async () => {
    const created = await register(contributor, 'contributor', good.url, ['dataset.reviewed', 'earning.credited']);
    expect(created).toMatchObject({ url: good.url, events: ['earning.credited', 'dataset.reviewed'], secret: expect.stringMatching(/^whsec_/) });
    await register(creator, 'creator', good.url, ['finetune.finished', 'license.bought', 'earning.credited', 'dataset.reviewed']);
    await register(creator, 'creatorFlaky', flaky.url, ['finetune.finished']);
    await register(buyer, 'buyer', good.url, ['license.bought']);

    const listed = await json(await api(creator, 'GET', '/webhooks?limit=1'));
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([{ id: hooks.creatorFlaky, url: flaky.url, events: ['finetune.finished'], createdAt: expect.any(String) }]);
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');
    const next = await json(await api(creator, 'GET', `/webhooks?limit=1&cursor=${listed.body.nextCursor as string}`));
    expect((next.body.items as Array<{ id: string }>).map((w) => w.id)).toEqual([hooks.creator]);

    expect(await json(await api(creator, 'POST', '/webhooks', { url: good.url, events: ['nope'] }))).toMatchObject({ status: 400, body: { error: 'bad_request' } });
    expect(await json(await api(creator, 'POST', '/webhooks', { url: 'ftp://example.com/x', events: ['license.bought'] }))).toMatchObject({ status: 400, body: { message: expect.stringContaining('https://') } });
    expect(await json(await api(creator, 'POST', '/webhooks', { url: good.url, events: ['license.bought'], secret: 'mine' }))).toMatchObject({ status: 400 });
    expect((await api(creator, 'POST', '/webhooks', '{"url":', {})).status).toBe(400);
    expect((await api(creator, 'POST', '/webhooks', 'url=x', { 'content-type': 'text/plain' })).status).toBe(415);
    expect(await json(await api(null, 'GET', '/webhooks'))).toMatchObject({ status: 401, body: { error: 'missing_key' } });
    // Someone else's webhook does not exist for you.
    expect(await json(await api(buyer, 'GET', `/webhooks/${hooks.creator}/deliveries`))).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect((await api(buyer, 'DELETE', `/webhooks/${hooks.creator}`)).status).toBe(404);
    expect((await api(buyer, 'POST', `/webhooks/${hooks.creator}/test`)).status).toBe(404);
    expect((await api(buyer, 'DELETE', '/webhooks/wh_0000000000')).status).toBe(404);
  });

  it('sends a test ping, signed, to the webhook asked for', async () => {
    const { status, body } = await json(await api(buyer, 'POST', `/webhooks/${hooks.buyer}/test`));
    expect(status).toBe(202);
    const ping = await waitForEvent(good, 'buyer', (e) => e.id === body.eventId, 'the ping');
    expect(ping).toMatchObject({ type: 'ping', data: { webhook: hooks.buyer } });
  });

  it('tells the contributor once that their dataset was reviewed (approved automatically)', async () => {
    expect((await contributor.upload('bikes.csv', 'question,answer\nHow long is the warranty?,Two years on every frame.\nDo you fix flats?,Yes: a flat is fixed while you wait.\n')).status).toBe(202);
    await contributor.press(await contributor.waitFor((m) => m.text.startsWith('Who may build assistants on bikes.csv')), 'Open');
    const done = await contributor.waitFor((m) => m.text.startsWith('✅ Dataset'), { timeoutMs: 30_000, what: 'receipt' });
    datasetId = /Dataset (ds_[0-9a-z]{10})/.exec(done.text)![1]!;
    const event = await waitForEvent(good, 'contributor', (e) => e.type === 'dataset.reviewed', 'dataset.reviewed');
    expect(event).toEqual({
      id: `dataset.reviewed:${datasetId}`,
      type: 'dataset.reviewed',
      createdAt: expect.any(String),
      data: { dataset: { id: datasetId, name: 'bikes.csv' }, status: 'approved', reason: null },
    });
  });

  it('tells the creator once that the fine-tune finished; the failing receiver gets it on the third attempt, once', async () => {
    const form = await creator.say('/newassistant');
    const pick = await creator.submit(form, { name: 'Bike Shop', instructions: 'A bike shop assistant that answers from the FAQ.' });
    const chosen = await creator.choose(pick, 'Pick datasets', [datasetId]);
    const priceStep = await creator.press(await creator.press(chosen, 'Continue'), 'Public');
    const confirm = await creator.submit(await creator.press(priceStep, 'Set prices'), { period: '5' });
    await creator.press(confirm, 'Create and train');
    const training = await creator.waitFor((m) => /Bike Shop \(as_[0-9a-z]{10}\)/.test(m.text), { what: 'training message' });
    assistantId = /\((as_[0-9a-z]{10})\)/.exec(training.text)![1]!;

    const event = await waitForEvent(good, 'creator', (e) => e.type === 'finetune.finished', 'finetune.finished');
    expect(event).toMatchObject({
      id: `finetune.finished:${assistantId}`,
      data: { assistant: { id: assistantId, name: 'Bike Shop' }, status: 'ready', steps: 4, finalLoss: expect.any(Number), error: null },
    });
    const third = await waitForEvent(flaky, 'creatorFlaky', (e) => e.id === event.id, 'finetune.finished at the flaky receiver');
    expect(third).toEqual(event);
    const attempts = flaky.received.filter((r) => r.headers['caravan-event-id'] === event.id);
    expect(attempts.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(attempts.map((r) => r.headers['caravan-delivery-attempt'])).toEqual(['1', '2', '3']);
    // Backoff: 300 ms, then 600 ms.
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(250);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(500);

    const deliveries = await json(await api(creator, 'GET', `/webhooks/${hooks.creatorFlaky}/deliveries`));
    expect(deliveries.body.items).toEqual([
      {
        eventId: event.id,
        type: 'finetune.finished',
        status: 'delivered',
        attempts: 3,
        lastStatus: 200,
        lastError: null,
        nextAttemptAt: null,
        deliveredAt: expect.any(String),
        createdAt: expect.any(String),
      },
    ]);
    await creator.waitFor((m) => m.text.startsWith('🧾 Bike Shop is on-chain'), { timeoutMs: 90_000, what: 'registration' });
  });

  it('tells the creator and the buyer of a license bought, and the holders of what it earned them', async () => {
    await buyer.say('/faucet');
    const card = await buyer.say(`/buy ${assistantId}`);
    await buyer.press(await buyer.press(card, '30-day license · 5 USDC'), 'Pay 5 USDC');
    await buyer.waitFor((m) => m.text.startsWith('✅ License #'), { timeoutMs: 30_000, what: 'purchase' });

    const forCreator = await waitForEvent(good, 'creator', (e) => e.type === 'license.bought', 'license.bought (creator)');
    const forBuyer = await waitForEvent(good, 'buyer', (e) => e.type === 'license.bought', 'license.bought (buyer)');
    expect(forCreator.data).toMatchObject({ role: 'creator', assistant: { id: assistantId, name: 'Bike Shop' }, license: { id: '1', kind: 'period', price: '5000000' } });
    expect(forBuyer.data).toMatchObject({ role: 'buyer', assistant: { id: assistantId }, license: { id: '1' } });
    expect(forBuyer.id).toBe(forCreator.id.replace(/:creator$/, ':buyer'));

    const earned = await waitForEvent(good, 'creator', (e) => e.type === 'earning.credited', 'earning.credited (creator)');
    expect(earned.data).toMatchObject({ asset: { name: 'Bike Shop' }, amount: '3800000', currency: { symbol: 'USDC', decimals: 6 }, cause: 'license' });
    const royalty = await waitForEvent(good, 'contributor', (e) => e.type === 'earning.credited', 'earning.credited (contributor)');
    expect(royalty.data).toMatchObject({ asset: { name: 'bikes.csv' }, amount: '950000', cause: 'royalty' });
  });

  it('sent every event once, each to the webhooks subscribed to it, and lists them as delivered', async () => {
    // Passes of the indexer, sweeps and retries keep running: nothing is sent again.
    await new Promise((r) => setTimeout(r, 3000));
    const ids = good.received.map((r) => r.headers['caravan-event-id'] as string);
    expect(new Set(ids).size).toBe(ids.length);
    const types = (name: string) => accepted(good, name).map((e) => e.type).sort();
    expect(types('contributor')).toEqual(['dataset.reviewed', 'earning.credited']);
    expect(types('creator')).toEqual(['earning.credited', 'finetune.finished', 'license.bought']);
    expect(types('buyer')).toEqual(['license.bought', 'ping']);
    expect(flaky.received).toHaveLength(3);

    const { body } = await json(await api(creator, 'GET', `/webhooks/${hooks.creator}/deliveries`));
    const items = body.items as Array<{ type: string; status: string; attempts: number }>;
    expect(items.map((d) => [d.type, d.status, d.attempts]).sort()).toEqual([
      ['earning.credited', 'delivered', 1],
      ['finetune.finished', 'delivered', 1],
      ['license.bought', 'delivered', 1],
    ]);
  });

  it('deletes a webhook: nothing more is sent to it, and it is gone from the list', async () => {
    expect(await json(await api(creator, 'DELETE', `/webhooks/${hooks.creatorFlaky}`))).toEqual({ status: 200, body: { id: hooks.creatorFlaky, deleted: true } });
    expect((await api(creator, 'DELETE', `/webhooks/${hooks.creatorFlaky}`)).status).toBe(404);
    expect((await api(creator, 'GET', `/webhooks/${hooks.creatorFlaky}/deliveries`)).status).toBe(404);
    const listed = await json(await api(creator, 'GET', '/webhooks'));
    expect((listed.body.items as Array<{ id: string }>).map((w) => w.id)).toEqual([hooks.creator]);
  });
});
