import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createMigratedTestDatabase } from '../../test/helpers/testRuntime.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../test/helpers/webhookReceiver.ts';
import type { Database } from '../db/client.ts';
import { webhookDeliveries, webhooks } from '../db/schema.ts';
import { generateKey } from '../crypto/aead.ts';
import { ensureUser, type User } from '../identity/ensureUser.ts';
import type { JobsPort, QueuedWebhookDelivery } from '../jobsPort.ts';
import { NotFoundError, InputError } from '../errors.ts';
import { registerWebhook } from './registerWebhook.ts';
import { emitWebhookEvent } from './emitWebhookEvent.ts';
import { deliverWebhook, type DeliverWebhookDeps } from './deliverWebhook.ts';
import { sweepWebhookDeliveries } from './sweepWebhookDeliveries.ts';
import { listWebhookDeliveries } from './listWebhookDeliveries.ts';
import { listWebhooks } from './listWebhooks.ts';
import { deleteWebhook } from './deleteWebhook.ts';
import { pingWebhook } from './pingWebhook.ts';
import { verifyWebhookSignature } from './signature.ts';

describe('webhook deliveries (real PostgreSQL, a local receiver)', () => {
  let database: Database;
  let close: () => Promise<void>;
  let receiver: WebhookReceiver;
  const masterKey = generateKey();
  let owner: User;
  let stranger: User;
  const queued: QueuedWebhookDelivery[] = [];
  // What would be queued, kept to be looked at (the e2e test runs the real queue).
  const jobs: Pick<JobsPort, 'webhook'> = { webhook: async (d) => void queued.push(d) };
  let deps: DeliverWebhookDeps;
  let n = 0;

  beforeAll(async () => {
    ({ database, close } = await createMigratedTestDatabase());
    receiver = await startWebhookReceiver();
    owner = await ensureUser({ db: database.db, masterKey }, { platform: 'web', externalId: 'owner' });
    stranger = await ensureUser({ db: database.db, masterKey }, { platform: 'web', externalId: 'stranger' });
    deps = {
      db: database.db,
      masterKey,
      settings: { allowPrivateHosts: true, retryBaseMs: 1000, maxAttempts: 3 },
      jobs,
      timeoutMs: 1500,
    };
  });
  afterAll(async () => {
    await receiver?.close();
    await close?.();
  });

  const register = (events: string[] = ['dataset.reviewed'], url = receiver.url) =>
    registerWebhook({ db: database.db, masterKey, allowPrivateHosts: true }, { userId: owner.id, url, events });
  const emit = (type: 'dataset.reviewed' | 'finetune.finished' = 'dataset.reviewed', eventId = `dataset.reviewed:ds_${++n}`) =>
    emitWebhookEvent(deps, { userId: owner.id, type, eventId, data: { dataset: { id: eventId.split(':')[1] }, status: 'approved' } });
  /** Makes a delivery due now, as if its backoff had passed. */
  const makeDue = (id: number) => database.db.update(webhookDeliveries).set({ nextAttemptAt: sql`now()` }).where(eq(webhookDeliveries.id, id));
  const row = async (id: number) => (await database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)))[0]!;

  it('registers a webhook with a secret shown once and stored only sealed; refuses bad URLs, events and private hosts in production', async () => {
    const w = await register(['dataset.reviewed', 'finetune.finished', 'dataset.reviewed']);
    expect(w.id).toMatch(/^wh_[0-9a-z]{10}$/);
    expect(w.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(w.events).toEqual(['finetune.finished', 'dataset.reviewed']);
    const [stored] = await database.db.select().from(webhooks).where(eq(webhooks.publicId, w.id));
    expect(stored!.secretSealed.toString('latin1')).not.toContain(w.secret.slice(6));
    expect((await listWebhooks(database, { userId: owner.id })).webhooks.map((x) => x.id)).toContain(w.id);
    expect((await listWebhooks(database, { userId: stranger.id })).webhooks).toEqual([]);

    await expect(register(['dataset.reviewed', 'nope.happened'])).rejects.toThrow('Unknown event nope.happened');
    await expect(register([])).rejects.toThrow('at least one event');
    await expect(register(['dataset.reviewed'], 'ftp://example.com/')).rejects.toBeInstanceOf(InputError);
    await expect(
      registerWebhook({ db: database.db, masterKey, allowPrivateHosts: false }, { userId: owner.id, url: receiver.url, events: ['dataset.reviewed'] }),
    ).rejects.toThrow('loopback or private');
    await deleteWebhook(database, { userId: owner.id, webhookId: w.id });
  });

  it('records one delivery per subscribed live webhook and event id, however often the event is emitted', async () => {
    const a = await register(['dataset.reviewed']);
    const b = await register(['finetune.finished']);
    queued.length = 0;
    const first = await emit('dataset.reviewed', 'dataset.reviewed:ds_once');
    expect(first).toHaveLength(1);
    expect(queued).toEqual(first);
    expect(await emit('dataset.reviewed', 'dataset.reviewed:ds_once')).toEqual([]);
    // Not another user's, not a deleted webhook's.
    expect(await emitWebhookEvent(deps, { userId: stranger.id, type: 'dataset.reviewed', eventId: 'dataset.reviewed:ds_x', data: {} })).toEqual([]);
    await deleteWebhook(database, { userId: owner.id, webhookId: b.id });
    expect(await emit('finetune.finished', 'finetune.finished:as_1')).toEqual([]);
    await expect(deleteWebhook(database, { userId: owner.id, webhookId: b.id })).rejects.toBeInstanceOf(NotFoundError);
    await expect(deleteWebhook(database, { userId: stranger.id, webhookId: a.id })).rejects.toBeInstanceOf(NotFoundError);
    await deleteWebhook(database, { userId: owner.id, webhookId: a.id });
  });

  it('POSTs {id, type, createdAt, data} signed with the secret; a 2xx delivers it, never again', async () => {
    const w = await register();
    const [d] = await emit();
    receiver.answer(() => ({ status: 204 }));
    const before = receiver.received.length;
    expect(await deliverWebhook(deps, { deliveryId: d!.id })).toEqual({ outcome: 'delivered', attempts: 1, status: 204 });
    expect(await deliverWebhook(deps, { deliveryId: d!.id })).toEqual({ outcome: 'skipped', reason: 'done' });
    expect(receiver.received.length - before).toBe(1);
    const got = receiver.received.at(-1)!;
    const body = JSON.parse(got.body) as { id: string; type: string; createdAt: string; data: unknown };
    expect(body).toEqual({ id: `dataset.reviewed:ds_${n}`, type: 'dataset.reviewed', createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), data: { dataset: { id: `ds_${n}` }, status: 'approved' } });
    expect(Object.keys(body)).toEqual(['id', 'type', 'createdAt', 'data']);
    expect(got.headers['caravan-event-id']).toBe(body.id);
    expect(got.headers['caravan-event-type']).toBe('dataset.reviewed');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['caravan-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(w.secret, got.headers['caravan-signature'] as string, got.body)).toBe(true);
    expect(verifyWebhookSignature('whsec_wrong', got.headers['caravan-signature'] as string, got.body)).toBe(false);
    expect(await row(d!.id)).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 204, lastError: null, claimedAt: null });
    await deleteWebhook(database, { userId: owner.id, webhookId: w.id });
  });

  it('retries a refused delivery with exponential backoff, records each attempt, and delivers it once', async () => {
    const w = await register();
    const [d] = await emit();
    const before = receiver.received.length;
    receiver.answer((i) => ({ status: i - before <= 2 ? 500 : 200 }));
    queued.length = 0;

    const t0 = Date.now();
    const first = await deliverWebhook(deps, { deliveryId: d!.id });
    expect(first).toMatchObject({ outcome: 'retry', attempts: 1, status: 500, error: 'the receiver answered 500: try later' });
    const wait1 = (first as { nextAttemptAt: Date }).nextAttemptAt.getTime() - t0;
    expect(wait1).toBeGreaterThan(800);
    expect(wait1).toBeLessThan(1600);
    expect(queued).toEqual([{ id: d!.id, attempts: 1, nextAttemptAt: (first as { nextAttemptAt: Date }).nextAttemptAt }]);
    // Not due yet: nothing is sent.
    expect(await deliverWebhook(deps, { deliveryId: d!.id })).toMatchObject({ outcome: 'skipped', reason: 'not_due' });
    expect(receiver.received.length - before).toBe(1);

    await makeDue(d!.id);
    const t1 = Date.now();
    const second = await deliverWebhook(deps, { deliveryId: d!.id });
    expect(second).toMatchObject({ outcome: 'retry', attempts: 2, status: 500 });
    const wait2 = (second as { nextAttemptAt: Date }).nextAttemptAt.getTime() - t1;
    expect(wait2).toBeGreaterThan(1800); // doubled
    expect(wait2).toBeLessThan(2600);
    expect((await listWebhookDeliveries(database, { userId: owner.id, webhookId: w.id })).deliveries[0]).toMatchObject({
      eventId: `dataset.reviewed:ds_${n}`,
      status: 'pending',
      attempts: 2,
      lastStatus: 500,
      lastError: 'the receiver answered 500: try later',
    });

    await makeDue(d!.id);
    expect(await deliverWebhook(deps, { deliveryId: d!.id })).toEqual({ outcome: 'delivered', attempts: 3, status: 200 });
    await makeDue(d!.id);
    expect(await deliverWebhook(deps, { deliveryId: d!.id })).toEqual({ outcome: 'skipped', reason: 'done' });
    expect(receiver.received.length - before).toBe(3);
    // The same event each time, by its id.
    expect(new Set(receiver.received.slice(before).map((r) => r.headers['caravan-event-id'])).size).toBe(1);
    expect(receiver.received.slice(before).map((r) => r.headers['caravan-delivery-attempt'])).toEqual(['1', '2', '3']);
    const [listed] = (await listWebhookDeliveries(database, { userId: owner.id, webhookId: w.id })).deliveries;
    expect(listed).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200, lastError: null, nextAttemptAt: null });
    await deleteWebhook(database, { userId: owner.id, webhookId: w.id });
  });

  it('gives a delivery up after the last attempt; timeouts and refused connections count as failed attempts', async () => {
    const w = await register();
    const [d] = await emit();
    receiver.answer(() => ({ status: 200, delayMs: 3000 }));
    const slow = await deliverWebhook(deps, { deliveryId: d!.id });
    expect(slow).toMatchObject({ outcome: 'retry', attempts: 1, status: null, error: 'no answer within 2 s' });

    // The receiver is gone: the connection is refused.
    await database.db.update(webhooks).set({ url: 'http://127.0.0.1:1/hook' }).where(eq(webhooks.publicId, w.id));
    await makeDue(d!.id);
    expect(await deliverWebhook(deps, { deliveryId: d!.id })).toMatchObject({ outcome: 'retry', attempts: 2, status: null, error: expect.stringContaining('ECONNREFUSED') });
    await makeDue(d!.id);
    expect(await deliverWebhook(deps, { deliveryId: d!.id })).toMatchObject({ outcome: 'failed', attempts: 3 });
    await makeDue(d!.id);
    expect(await deliverWebhook(deps, { deliveryId: d!.id })).toEqual({ outcome: 'skipped', reason: 'done' });
    expect(await row(d!.id)).toMatchObject({ status: 'failed', attempts: 3, claimedAt: null });
    receiver.answer(() => ({ status: 200 }));
    await deleteWebhook(database, { userId: owner.id, webhookId: w.id });
  });

  it('never sends one delivery from two workers at once, and takes over a claim whose sender died', async () => {
    const w = await register();
    const [d] = await emit();
    const before = receiver.received.length;
    receiver.answer(() => ({ status: 200, delayMs: 300 }));
    const results = await Promise.all([1, 2, 3, 4].map(() => deliverWebhook(deps, { deliveryId: d!.id })));
    expect(results.filter((r) => r.outcome === 'delivered')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'skipped').map((r) => (r as { reason: string }).reason).sort()).toEqual(expect.arrayContaining(['busy']));
    expect(receiver.received.length - before).toBe(1);

    // A sender that claimed a delivery and died: within the lease it is left alone, after it taken over.
    receiver.answer(() => ({ status: 200 }));
    const [e] = await emit();
    await database.db.update(webhookDeliveries).set({ claimedAt: sql`now()`, attempts: 1 }).where(eq(webhookDeliveries.id, e!.id));
    expect(await deliverWebhook(deps, { deliveryId: e!.id })).toMatchObject({ outcome: 'skipped', reason: 'busy' });
    queued.length = 0;
    expect(await sweepWebhookDeliveries({ db: database.db, jobs })).toBe(0);
    await database.db.update(webhookDeliveries).set({ claimedAt: sql`now() - interval '2 minutes'` }).where(eq(webhookDeliveries.id, e!.id));
    expect(await sweepWebhookDeliveries({ db: database.db, jobs })).toBe(1);
    expect(queued).toEqual([{ id: e!.id, attempts: 1, nextAttemptAt: expect.any(Date) }]);
    expect(await deliverWebhook(deps, { deliveryId: e!.id })).toEqual({ outcome: 'delivered', attempts: 2, status: 200 });
    await deleteWebhook(database, { userId: owner.id, webhookId: w.id });
  });

  it('queues, by the sweep, deliveries recorded without a queue (inside a transaction), and only due ones', async () => {
    const w = await register();
    await database.db.transaction(async (tx) => {
      await emitWebhookEvent({ db: tx }, { userId: owner.id, type: 'dataset.reviewed', eventId: 'dataset.reviewed:ds_tx', data: {} });
    });
    const [later] = await emit();
    await database.db.update(webhookDeliveries).set({ nextAttemptAt: sql`now() + interval '1 hour'` }).where(eq(webhookDeliveries.id, later!.id));
    queued.length = 0;
    expect(await sweepWebhookDeliveries({ db: database.db, jobs })).toBe(1);
    const [tx] = await database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.eventId, 'dataset.reviewed:ds_tx'));
    expect(queued.map((q) => q.id)).toEqual([tx!.id]);
    // Deleting the webhook gives its pending deliveries up.
    await deleteWebhook(database, { userId: owner.id, webhookId: w.id });
    expect(await row(later!.id)).toMatchObject({ status: 'failed', lastError: 'webhook deleted' });
    expect(await sweepWebhookDeliveries({ db: database.db, jobs })).toBe(0);
  });

  it('pings a webhook whatever it subscribed to; lists deliveries by page; foreign and deleted webhooks are unknown', async () => {
    const w = await register(['finetune.finished']);
    const { eventId } = await pingWebhook(deps, { userId: owner.id, webhookId: w.id });
    expect(eventId).toMatch(/^ping:/);
    const [ping] = await database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.eventId, eventId));
    const before = receiver.received.length;
    expect(await deliverWebhook(deps, { deliveryId: ping!.id })).toMatchObject({ outcome: 'delivered' });
    expect(JSON.parse(receiver.received[before]!.body)).toMatchObject({ id: eventId, type: 'ping', data: { webhook: w.id } });

    for (let i = 0; i < 3; i++) await emit('finetune.finished', `finetune.finished:as_page${i}`);
    const page1 = await listWebhookDeliveries(database, { userId: owner.id, webhookId: w.id, limit: 3 });
    expect(page1.deliveries.map((d) => d.eventId)).toEqual(['finetune.finished:as_page2', 'finetune.finished:as_page1', 'finetune.finished:as_page0']);
    const page2 = await listWebhookDeliveries(database, { userId: owner.id, webhookId: w.id, limit: 3, before: page1.last! });
    expect(page2.deliveries.map((d) => d.eventId)).toEqual([eventId]);
    expect(page2.last).toBeNull();

    await expect(listWebhookDeliveries(database, { userId: stranger.id, webhookId: w.id })).rejects.toBeInstanceOf(NotFoundError);
    await expect(pingWebhook(deps, { userId: stranger.id, webhookId: w.id })).rejects.toBeInstanceOf(NotFoundError);
    await expect(listWebhookDeliveries(database, { userId: owner.id, webhookId: 'wh_nonsense!' })).rejects.toBeInstanceOf(NotFoundError);
    await deleteWebhook(database, { userId: owner.id, webhookId: w.id });
    await expect(listWebhookDeliveries(database, { userId: owner.id, webhookId: w.id })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses, when private hosts are not allowed, to send to an address that is loopback', async () => {
    // Registered while allowed (dev), delivered after the setting changed (production).
    const w = await register();
    const [d] = await emit();
    const before = receiver.received.length;
    const r = await deliverWebhook({ ...deps, settings: { ...deps.settings, allowPrivateHosts: false } }, { deliveryId: d!.id });
    expect(r).toMatchObject({ outcome: 'retry', error: expect.stringContaining('loopback or private') });
    expect(receiver.received.length).toBe(before);
    await deleteWebhook(database, { userId: owner.id, webhookId: w.id });
  });
});
