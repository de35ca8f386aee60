import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createMigratedTestDatabase } from '../../test/helpers/testRuntime.ts';
import { createWebOutbox } from '../../bots/web/webOutbox.ts';
import type { Database } from '../db/client.ts';
import { notifications, webMessages } from '../db/schema.ts';
import { DeliveryInFlightError, deliverOnce } from './deliverOnce.ts';
import { createOutboxRouter, type SendOptions, type TransportOutbox } from './types.ts';

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

  describe('after a sender died holding the claim', () => {
    /** An outbox that records every send with its options; `window` is its idempotent send window. */
    function recording(window: number | undefined) {
      const sends: Array<{ chatId: string; text: string; options: SendOptions | undefined }> = [];
      const transport: TransportOutbox = {
        send: async (t, reply, options) => {
          sends.push({ chatId: t.chatId, text: reply.text, options });
          return String(sends.length);
        },
        edit: async () => {},
        directChat: async (id) => ({ transport: 'discord', chatId: `dm-${id}` }),
        ...(window === undefined ? {} : { idempotentSendWindowMs: window }),
      };
      return { sends, outbox: createOutboxRouter({ discord: transport }) };
    }
    /** A message a dead sender claimed `agoSeconds` ago and never marked. */
    async function abandoned(key: string, agoSeconds: number) {
      await database.db.insert(notifications).values({ key, target: { identity: { platform: 'discord', externalId: '77' } }, text: `msg ${key}` });
      await database.db
        .update(notifications)
        .set({ status: 'sending', attempts: 1, claimedAt: sql`now() - make_interval(secs => ${agoSeconds})` })
        .where(eq(notifications.key, key));
    }

    it('waits for the lease: a fresh claim is in flight (DeliveryInFlightError, saying when it runs out), not taken over', async () => {
      const { sends, outbox } = recording(60_000);
      await abandoned('dead:fresh', 2);
      const err = await deliverOnce({ db: database.db, outbox }, { key: 'dead:fresh', target: { identity: { platform: 'discord', externalId: '77' } }, reply: { text: 'x' } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeliveryInFlightError);
      // Claimed 2 s ago with a 15 s lease: about 13 s to go.
      expect((err as DeliveryInFlightError).retryAfterMs).toBeGreaterThan(12_000);
      expect((err as DeliveryInFlightError).retryAfterMs).toBeLessThan(13_500);
      expect(sends).toEqual([]);
    });

    it('sends it again with the same idempotency key where the transport drops repeats within the window (Discord’s nonce)', async () => {
      const { sends, outbox } = recording(60_000);
      await abandoned('dead:discord', 20);
      expect(await deliverOnce({ db: database.db, outbox }, { key: 'dead:discord', target: { identity: { platform: 'discord', externalId: '77' } }, reply: { text: 'x' } })).toBe('sent');
      expect(sends).toEqual([{ chatId: 'dm-77', text: 'msg dead:discord', options: { idempotencyKey: 'dead:discord' } }]);
      const [row] = await database.db.select().from(notifications).where(eq(notifications.key, 'dead:discord'));
      expect(row).toMatchObject({ status: 'sent', attempts: 2 });
    });

    it('keeps it for the web inbox, not sent again, where a repeat could show twice (no idempotent sends, or the window has passed)', async () => {
      for (const [key, window, ago] of [['dead:telegram', undefined, 20], ['dead:late', 60_000, 120]] as const) {
        const { sends, outbox } = recording(window);
        await abandoned(key, ago);
        expect(await deliverOnce({ db: database.db, outbox }, { key, target: { identity: { platform: 'discord', externalId: '77' } }, reply: { text: 'x' } })).toBe('inbox');
        expect(await deliverOnce({ db: database.db, outbox }, { key, target: { identity: { platform: 'discord', externalId: '77' } }, reply: { text: 'x' } })).toBe('already_sent');
        expect(sends).toEqual([]);
        const [row] = await database.db.select().from(notifications).where(eq(notifications.key, key));
        expect(row).toMatchObject({ status: 'inbox', claimedAt: null });
        expect(row!.error).toContain('could show it twice');
      }
    });

    it('repeats an edit, which cannot show twice', async () => {
      const edits: string[] = [];
      const web = createWebOutbox({ db: database.db });
      const outbox = createOutboxRouter({ web: { ...web, edit: async (t, reply) => void edits.push(`${t.messageId}:${reply.text}`) } });
      const target = { transport: 'web' as const, chatId: 'chat-edit', messageId: 'm1' };
      await database.db.insert(notifications).values({ key: 'dead:edit', target, text: 'Training 50%' });
      await database.db.update(notifications).set({ status: 'sending', claimedAt: sql`now() - interval '1 minute'` }).where(eq(notifications.key, 'dead:edit'));
      expect(await deliverOnce({ db: database.db, outbox }, { key: 'dead:edit', target, reply: { text: 'Training 50%' } })).toBe('sent');
      expect(edits).toEqual(['m1:Training 50%']);
    });
  });

  it('a live sender renews its claim while a send is slow, so it is never taken over', async () => {
    let release!: () => void;
    let sends = 0;
    const web = createWebOutbox({ db: database.db });
    const slow: TransportOutbox = {
      ...web,
      send: async (t, reply) => {
        sends++;
        await new Promise<void>((r) => (release = r));
        return web.send(t, reply);
      },
    };
    const deps = { db: database.db, outbox: createOutboxRouter({ web: slow }), claimLeaseSeconds: 0.6 };
    const params = { key: 'slow:1', target: { transport: 'web' as const, chatId: 'chat-slow' }, reply: { text: 'slow' } };
    const first = deliverOnce(deps, params);
    // Three leases later the first sender still holds it.
    await new Promise((r) => setTimeout(r, 1800));
    await expect(deliverOnce(deps, params)).rejects.toBeInstanceOf(DeliveryInFlightError);
    release();
    expect(await first).toBe('sent');
    expect(sends).toBe(1);
  });
});
