import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createMigratedTestDatabase } from '../../test/helpers/testRuntime.ts';
import { createWebOutbox } from '../../bots/web/webOutbox.ts';
import type { Database } from '../db/client.ts';
import { chainEvents, earnings, notifications, webMessages } from '../db/schema.ts';
import { ensureUser } from '../identity/ensureUser.ts';
import { generateKey } from '../crypto/aead.ts';
import { createLogger } from '../log.ts';
import { deliverOnce } from '../notifications/deliverOnce.ts';
import { createOutboxRouter } from '../notifications/types.ts';
import { setNotifyPreference } from '../money/setNotifyPreference.ts';
import type { QueuedNotification } from '../jobsPort.ts';
import { notifyEarnings, type NotifyEarningsDeps } from './notifyEarnings.ts';

const USDC = { symbol: 'USDC', address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', decimals: 6 } as const;

/** Earnings rows as the indexer writes them, told to their holders in the web chat. */
describe('notifyEarnings', () => {
  let database: Database;
  let close: () => Promise<void>;
  let deps: NotifyEarningsDeps;
  let queued: QueuedNotification[];
  let log = 0;

  beforeAll(async () => {
    ({ database, close } = await createMigratedTestDatabase());
    queued = [];
    const outbox = createOutboxRouter({ web: createWebOutbox({ db: database.db }) });
    deps = {
      db: database.db,
      // Delivery as the notify worker does it (deliverOnce), without the queue in between.
      jobs: {
        notify: async (m) => {
          queued.push(m);
          await deliverOnce({ db: database.db, outbox }, m);
        },
      },
      currencies: [USDC],
      digestWindowMs: 60_000,
      log: createLogger({ level: 'silent' }),
    };
  });
  afterAll(async () => {
    await close?.();
  });

  async function earning(holder: string, amount: bigint, at: Date) {
    log += 1;
    const [event] = await database.db
      .insert(chainEvents)
      .values({ chainId: 31337, blockNumber: BigInt(log), blockHash: `0xb${log}`, txHash: `0xt${log}`, logIndex: 1, contract: 'revenuePool', name: 'RevenueCredited', args: {} })
      .returning();
    await database.db.insert(earnings).values({
      eventId: event!.id,
      chainId: 31337,
      blockNumber: BigInt(log),
      txHash: `0xt${log}`,
      logIndex: 1,
      assetId: 7n,
      token: USDC.address,
      holder,
      scaled: amount * 10n ** 18n,
      amount,
      cause: 'license',
      createdAt: at,
    });
  }

  it('sends each earning once to people who chose "on", a digest per window by default, and nothing with "off"', async () => {
    const key = generateKey();
    const each = await ensureUser({ db: database.db, masterKey: key }, { platform: 'web', externalId: 'each' });
    const grouped = await ensureUser({ db: database.db, masterKey: key }, { platform: 'web', externalId: 'grouped' });
    const silent = await ensureUser({ db: database.db, masterKey: key }, { platform: 'web', externalId: 'silent' });
    await setNotifyPreference(deps, each.id, 'on');
    await setNotifyPreference(deps, silent.id, 'off');
    const t0 = new Date('2026-12-01T10:00:00Z');
    await earning(each.custodialAddress, 420_000n, t0);
    await earning(each.custodialAddress.toLowerCase(), 1_000_000n, t0);
    await earning(grouped.custodialAddress, 3_800_000n, t0);
    await earning(grouped.custodialAddress, 950_000n, new Date(t0.getTime() + 10_000));
    await earning(silent.custodialAddress, 5n, t0);
    await earning('0x000000000000000000000000000000000000dEaD', 5n, t0);

    // Inside the digest window: the per-earning messages go, the digest waits.
    expect(await notifyEarnings(deps, new Date(t0.getTime() + 20_000))).toEqual({ messages: 2, silent: 2 });
    const inbox = async (chatId: string) => (await database.db.select().from(webMessages).where(eq(webMessages.chatId, chatId))).map((m) => m.text);
    expect(await inbox('each')).toEqual(['💰 You earned 0.42 USDC from *asset #7* (a license was bought) — /claim', '💰 You earned 1 USDC from *asset #7* (a license was bought) — /claim']);
    expect(await inbox('grouped')).toEqual([]);

    expect(await notifyEarnings(deps, new Date(t0.getTime() + 61_000))).toEqual({ messages: 1, silent: 0 });
    expect(await inbox('grouped')).toEqual(['💰 You earned 4.75 USDC from 2 payments:\n• 4.75 USDC from *asset #7* (2 payments)\n/claim to collect it.']);
    expect(await inbox('silent')).toEqual([]);

    // Nothing is told twice, however often the job runs.
    expect(await notifyEarnings(deps, new Date(t0.getTime() + 120_000))).toEqual({ messages: 0, silent: 0 });
    expect(await inbox('each')).toHaveLength(2);
    expect(await inbox('grouped')).toHaveLength(1);
  });

  it('queues again a message written before a crash stopped its delivery, and delivers it once', async () => {
    const user = await ensureUser({ db: database.db, masterKey: generateKey() }, { platform: 'web', externalId: 'crashed' });
    await setNotifyPreference(deps, user.id, 'on');
    const t0 = new Date();
    await earning(user.custodialAddress, 2_000_000n, t0);
    const notify = deps.jobs.notify;
    deps.jobs.notify = async () => {
      throw new Error('the process died before queueing');
    };
    await expect(notifyEarnings(deps, t0)).rejects.toThrow('died');
    deps.jobs.notify = notify;
    const pending = await database.db.select().from(notifications).where(eq(notifications.status, 'pending'));
    expect(pending).toHaveLength(1);
    // The next pass (a minute later) finds it and delivers it; later passes do nothing.
    await notifyEarnings(deps, new Date(Date.now() + 61_000));
    await notifyEarnings(deps, new Date(Date.now() + 122_000));
    const msgs = await database.db.select().from(webMessages).where(eq(webMessages.chatId, 'crashed'));
    expect(msgs.map((m) => m.text)).toEqual(['💰 You earned 2 USDC from *asset #7* (a license was bought) — /claim']);
  });
});
