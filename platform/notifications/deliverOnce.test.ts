import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createMigratedTestDatabase } from '../../test/helpers/testRuntime.ts';
import { createWebOutbox } from '../../bots/web/webOutbox.ts';
import type { Database } from '../db/client.ts';
import { notifications, webMessages } from '../db/schema.ts';
import { DeliveryInFlightError, deliverOnce } from './deliverOnce.ts';
import { createOutboxRouter, type TransportOutbox } from './types.ts';

describe('deliverOnce', () => {
  let database: Database;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ database, close } = await createMigratedTestDatabase());
  });
  afterAll(async () => {
    await close?.();
  });

  it('sends one message per key, even when called concurrently and again later', async () => {
    const outbox = createOutboxRouter({ web: createWebOutbox({ db: database.db }) });
    const params = { key: 'payout:1:alice', target: { transport: 'web' as const, chatId: 'chat-1' }, reply: { text: 'You earned 0.42 USDC' } };
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map(() => deliverOnce({ db: database.db, outbox }, params)));
    // Exactly one caller claims and sends; the others see it sent, or in flight (and would retry).
    expect(outcomes.filter((o) => o.status === 'fulfilled' && o.value === 'sent')).toHaveLength(1);
    for (const o of outcomes)
      if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(DeliveryInFlightError);
      else expect(['sent', 'already_sent']).toContain(o.value);
    expect(await deliverOnce({ db: database.db, outbox }, params)).toBe('already_sent');
    expect(await database.db.select().from(webMessages).where(eq(webMessages.chatId, 'chat-1'))).toHaveLength(1);
  });

  it('delivers a picture with its text once', async () => {
    const outbox = createOutboxRouter({ web: createWebOutbox({ db: database.db }) });
    const png = Buffer.from('89504e470d0a1a0a00', 'hex');
    const params = { key: 'plot:1', target: { transport: 'web' as const, chatId: 'chat-3' }, reply: { text: 'Loss curve', image: { png, fileName: 'loss.png' } } };
    expect(await deliverOnce({ db: database.db, outbox }, params)).toBe('sent');
    expect(await deliverOnce({ db: database.db, outbox }, params)).toBe('already_sent');
    const rows = await database.db.select().from(webMessages).where(eq(webMessages.chatId, 'chat-3'));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.imagePng!.equals(png)).toBe(true);
  });

  it('records a failed delivery and delivers it on retry', async () => {
    let fail = true;
    const web = createWebOutbox({ db: database.db });
    const flakyWeb: TransportOutbox = {
      ...web,
      send: async (t, reply) => {
        if (fail) throw new Error('transport down');
        return web.send(t, reply);
      },
    };
    const flaky = createOutboxRouter({ web: flakyWeb });
    const params = { key: 'k-flaky', target: { transport: 'web' as const, chatId: 'chat-2' }, reply: { text: 'hello' } };
    await expect(deliverOnce({ db: database.db, outbox: flaky }, params)).rejects.toThrow('transport down');
    const [row] = await database.db.select().from(notifications).where(eq(notifications.key, 'k-flaky'));
    expect(row).toMatchObject({ status: 'pending', error: 'transport down', attempts: 1 });
    fail = false;
    expect(await deliverOnce({ db: database.db, outbox: flaky }, params)).toBe('sent');
    expect(await database.db.select().from(webMessages).where(eq(webMessages.chatId, 'chat-2'))).toHaveLength(1);
  });

  it('keeps a message the recipient cannot receive (DMs closed, bot blocked) for the web inbox, and never retries it', async () => {
    let sends = 0;
    const web = createWebOutbox({ db: database.db });
    const closed: TransportOutbox = {
      ...web,
      send: async () => {
        sends++;
        throw Object.assign(new Error('Cannot send messages to this user'), { recipientUnreachable: true });
      },
    };
    const outbox = createOutboxRouter({ web: closed });
    const params = { key: 'earn:closed', target: { transport: 'web' as const, chatId: 'chat-closed' }, reply: { text: 'You earned 1 USDC' } };
    expect(await deliverOnce({ db: database.db, outbox }, params)).toBe('inbox');
    expect(await deliverOnce({ db: database.db, outbox }, params)).toBe('already_sent');
    expect(sends).toBe(1);
    const [row] = await database.db.select().from(notifications).where(eq(notifications.key, 'earn:closed'));
    expect(row).toMatchObject({ status: 'inbox', text: 'You earned 1 USDC' });
  });

  it('delivers to a person’s private chat with the buttons it was given, once', async () => {
    const outbox = createOutboxRouter({ web: createWebOutbox({ db: database.db }) });
    const controls = { rows: [{ buttons: [{ kind: 'button' as const, label: 'Approve', id: 'x'.repeat(22) }] }] };
    const params = { key: 'review:1:offer:7', target: { identity: { platform: 'web' as const, externalId: 'chat-4' } }, reply: { text: 'Review ds_x', ...controls } };
    expect(await deliverOnce({ db: database.db, outbox }, params)).toBe('sent');
    expect(await deliverOnce({ db: database.db, outbox }, params)).toBe('already_sent');
    const rows = await database.db.select().from(webMessages).where(eq(webMessages.chatId, 'chat-4'));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.controls).toEqual(controls);
  });

  it('refuses a transport this process does not run, as a retryable error, and keeps the message', async () => {
    const outbox = createOutboxRouter({ web: createWebOutbox({ db: database.db }) });
    const params = { key: 'tg:1', target: { transport: 'telegram' as const, chatId: '42' }, reply: { text: 'hi' } };
    const err = await deliverOnce({ db: database.db, outbox }, params).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'TransportUnavailableError', retryable: true });
    const [row] = await database.db.select().from(notifications).where(eq(notifications.key, 'tg:1'));
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
  });
});
