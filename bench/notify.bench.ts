/**
 * `npm run bench:notify [-- --holders N]` — earnings messages end to end, against rate limits:
 * N holders (default 100,000; half on Telegram, half on Discord, each with `/notify on`) get one
 * earning each, written as the indexer writes them (`chain_events` + `earnings`); `notifyEarnings`
 * turns them into messages and queues them; the real notify worker (`caravan worker notify`, a
 * child process) delivers them to the local fake Telegram and Discord, which enforce the
 * platforms' limits (Telegram 30 messages/s; Discord 50 requests/s globally and 5 messages per
 * 5 s per channel). When about half are delivered the worker is killed (SIGKILL) and started
 * again. The fakes count what arrives, per chat and message (its amount, unique per holder).
 *
 * Prints `delivered: N  duplicates: D  lost: L`, the time, and last
 * `notify throughput vs rate limit: X`: messages delivered per second over the best rate the
 * fakes allow for this mix (the slower transport sets it: a Discord DM is two requests, opening
 * the DM channel and posting). Exits non-zero when D or L is not 0.
 *
 * Options: --holders N (default 100,000, about 35 minutes; 2,000 is the quick check, about a minute:
 * 40 s of it is what the limits allow), --keep-logs (keep the worker logs and data under the temp dir)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { startEmbeddedPostgres } from '../platform/infra/postgres.ts';
import { startRedis } from '../platform/infra/redis.ts';
import { startAnvil } from '../platform/infra/anvil.ts';
import { startWatchdog } from '../platform/infra/watchdog.ts';
import { freePort } from '../platform/infra/freePort.ts';
import type { Currency } from '../platform/money/currencies.ts';

// The rest (viem, BullMQ, drizzle's schema: about 2 s) loads while the services start.
const loading = Promise.all([
  import('../platform/db/client.ts'),
  import('../platform/chain/clients.ts'),
  import('../platform/chain/ensureDeployment.ts'),
  import('../platform/earnings/notifyEarnings.ts'),
  import('../platform/money/currencies.ts'),
  import('../platform/log.ts'),
  import('../jobs/queues.ts'),
  import('../jobs/createJobsPort.ts'),
  import('../test/fakes/fakeTelegram.ts'),
  import('../test/fakes/fakeDiscord.ts'),
]);

const { values } = parseArgs({ options: { holders: { type: 'string', default: '100000' }, 'keep-logs': { type: 'boolean', default: false } } });
const HOLDERS = Number(values.holders);
if (!Number.isInteger(HOLDERS) || HOLDERS < 2) throw new Error(`--holders must be a whole number ≥ 2, not ${values.holders}`);

/** The platforms' limits, enforced by the fakes. */
const TELEGRAM_PER_SECOND = 30;
const DISCORD_GLOBAL_PER_SECOND = 50;
const DISCORD_CHANNEL_BUCKET = { limit: 5, windowMs: 5000 };
/** Requests per Discord DM: open the DM channel, post the message. */
const DISCORD_REQUESTS_PER_DM = 2;
/** What the worker is told it may send (NOTIFY_RATE): the platforms' limits, in messages per second. */
const NOTIFY_RATE = `telegram:${TELEGRAM_PER_SECOND},discord:${DISCORD_GLOBAL_PER_SECOND / DISCORD_REQUESTS_PER_DM}`;
const CHAIN_ID = 31337;
const USDC: Currency = { symbol: 'USDC', address: '0x5fbdb2315678afecb367f032d93f642f64180aa3', decimals: 6 };
/** Holders per synthetic payment (one `chain_events` row each). */
const HOLDERS_PER_EVENT = 1000;
/** A run that makes no progress for this long has lost messages. */
const STALL_MS = 180_000;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'caravan-bench-notify-'));
fs.chmodSync(root, 0o755);
const cleanups: Array<() => Promise<unknown>> = [];
const children = new Set<ChildProcess>();
async function cleanup() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  if (!values['keep-logs']) fs.rmSync(root, { recursive: true, force: true });
}
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

/** Holder i (1-based, as the SQL below makes them) → their chat identity and earned amount (unique, so it marks the message). */
const holderOf = (i: number) => ({
  platform: i % 2 === 0 ? ('telegram' as const) : ('discord' as const),
  externalId: i % 2 === 0 ? String(1_000_000_000 + i) : String(800_000_000_000_000_000n + BigInt(i)),
  amount: BigInt(i) * 10_000n + 1n,
});

async function main() {
  const watchdog = startWatchdog();
  cleanups.push(() => watchdog.close());
  const [pgPort, redisPort] = [await freePort(), await freePort()];
  const [pg, redis, anvil] = await Promise.all([
    startEmbeddedPostgres({ dataDir: path.join(root, 'pg'), port: pgPort, watchdog }),
    startRedis({ port: redisPort, dataDir: path.join(root, 'redis'), watchdog }),
    startAnvil({ watchdog }),
  ]);
  const [
    { createDatabase, migrateDatabase },
    { ANVIL_DEV_KEY, connectChain },
    { ensureDeployment },
    { notifyEarnings },
    { formatAmount },
    { createLogger },
    { createQueues, redisConnection },
    { createJobsPort },
    { FakeTelegram },
    { FakeDiscord },
  ] = await loading;
  cleanups.push(() => Promise.allSettled([pg.stop(), redis.stop(), anvil.stop()]));
  const databaseUrl = await pg.ensureDatabase('bench');
  const database = createDatabase(databaseUrl);
  cleanups.push(() => database.close());
  const { db } = database;
  await migrateDatabase(db);
  const log = createLogger({ level: 'warn', pretty: false });
  // The worker process deploys nothing (`caravan worker`): the contracts are deployed here, as `caravan deploy` would.
  const chain = await connectChain({ rpcUrl: anvil.rpcUrl, operatorKey: ANVIL_DEV_KEY });
  await ensureDeployment({ db, log }, chain, { allowDeploy: true });

  const telegram = new FakeTelegram('123456:BENCH-token', { rateLimit: { messagesPerSecond: TELEGRAM_PER_SECOND } });
  const discord = new FakeDiscord({ rateLimits: { globalPerSecond: DISCORD_GLOBAL_PER_SECOND, channelMessages: DISCORD_CHANNEL_BUCKET } });
  await Promise.all([telegram.start(), discord.start()]);
  cleanups.push(() => telegram.stop(), () => discord.stop());

  // The notify worker is a long-running service: it starts now, while the holders are written.
  const prefix = `bench${crypto.randomBytes(3).toString('hex')}`;
  const queues = createQueues({ connection: redisConnection(redis.url), prefix });
  cleanups.push(() => queues.close());
  const workerLogs: string[] = [];
  const startWorker = (n: number) => {
    const logFile = path.join(root, `worker-${n}.log`);
    workerLogs.push(logFile);
    const out = fs.openSync(logFile, 'w');
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/caravan.ts', 'worker', 'notify'], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env: {
        PATH: process.env.PATH,
        LOG_LEVEL: 'warn',
        CARAVAN_HOME: path.join(root, 'home'),
        DATABASE_URL: databaseUrl,
        REDIS_URL: redis.url,
        RPC_URL: anvil.rpcUrl,
        OPERATOR_PRIVATE_KEY: ANVIL_DEV_KEY,
        MASTER_KEY: crypto.createHash('sha256').update('bench-notify').digest('hex'),
        QUEUE_PREFIX: prefix,
        ENGINE: '0',
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_API_ROOT: telegram.apiRoot,
        DISCORD_TOKEN: discord.token,
        DISCORD_API_ROOT: discord.apiRoot,
        NOTIFY_RATE,
      },
      stdio: ['ignore', out, out],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  const arrived = () => telegram.sent.length + discord.messages.length;
  const statusCounts = async () => {
    const rows = (await db.execute<{ status: string; n: number }>(sql`select status, count(*)::int n from notifications group by status`)).rows;
    return Object.fromEntries(rows.map((r) => [r.status, r.n])) as Record<string, number>;
  };

  const tWorker = performance.now();
  let worker = startWorker(1);

  // Holders as the indexer leaves them: users with a chat identity and `/notify on`, one earning each.
  const tLoad = performance.now();
  await db.execute(sql`
    insert into users (custodial_address)
      select '0x' || lpad(to_hex(i), 40, '0') from generate_series(1, ${HOLDERS}) i order by i`);
  await db.execute(sql`
    insert into identities (platform, external_id, user_id)
      select (case when u.id % 2 = 0 then 'telegram' else 'discord' end)::platform_kind,
             case when u.id % 2 = 0 then (1000000000 + u.id)::text else (800000000000000000 + u.id)::text end, u.id
      from users u`);
  await db.execute(sql`insert into user_settings (user_id, notify) select id, 'on' from users`);
  await db.execute(sql`
    insert into chain_events (chain_id, block_number, block_hash, tx_hash, log_index, contract, name, args)
      select ${CHAIN_ID}, 100 + e, '0x' || lpad(to_hex(e), 64, 'b'), '0x' || lpad(to_hex(e), 64, 'a'), 0,
             'RevenuePool', 'Deposited', jsonb_build_object('assetId', '1', 'amount', '1')
      from generate_series(0, ${Math.ceil(HOLDERS / HOLDERS_PER_EVENT) - 1}) e order by e`);
  await db.execute(sql`
    insert into earnings (event_id, chain_id, block_number, tx_hash, log_index, asset_id, token, holder, scaled, amount, cause)
      select ev.id, ev.chain_id, ev.block_number, ev.tx_hash, ev.log_index, 1, ${USDC.address},
             '0x' || lpad(to_hex(i), 40, '0'), i, i::numeric * 10000 + 1, 'license'
      from generate_series(1, ${HOLDERS}) i
      join chain_events ev on ev.block_number = 100 + (i - 1) / ${HOLDERS_PER_EVENT}`);
  // The fake Discord knows every Discord holder (their DM channel), as Discord knows its users.
  const expected = new Map<string, number>();
  for (let i = 1; i <= HOLDERS; i++) {
    const h = holderOf(i);
    const chat = h.platform === 'telegram' ? h.externalId : discord.dmChannelOf({ id: h.externalId, username: `holder${i}` });
    expected.set(`${h.platform}:${chat}|${formatAmount(h.amount, USDC)}`, i);
  }
  const loadMs = performance.now() - tLoad;

  // The messages, written and queued as the indexer worker does after a pass.
  const tQueue = performance.now();
  let queueMs: number | undefined;
  let queueError: unknown;
  const queueing = (async () => {
    for (;;) {
      const { messages, silent } = await notifyEarnings({ db, jobs: createJobsPort(queues), currencies: [USDC], digestWindowMs: 60_000, log });
      if (!messages && !silent) break;
    }
    queueMs = performance.now() - tQueue;
  })();
  queueing.catch((err: unknown) => (queueError = err ?? new Error('queueing failed')));

  // Deliver; kill the worker outright when about half have arrived, and start it again.
  // Delivery is timed from the first message that arrives.
  let tDeliver: number | undefined;
  let killedAt: { ms: number; arrived: number; counts: Record<string, number>; restartedMs: number; arrivedAtRestart: number } | undefined;
  let firstAfterRestartMs: number | undefined;
  let lastProgress = { at: performance.now(), arrived: 0 };
  let counts: Record<string, number> = {};
  for (;;) {
    await new Promise((r) => setTimeout(r, 20));
    const now = performance.now();
    const n = arrived();
    if (queueError) throw queueError;
    if (tDeliver === undefined) {
      if (n === 0) {
        lastProgress.at = now;
        if (worker.exitCode !== null) throw new Error(`the worker exited (${worker.exitCode}); see ${workerLogs.at(-1)}`);
        continue;
      }
      tDeliver = now;
    }
    if (n !== lastProgress.arrived) lastProgress = { at: now, arrived: n };
    if (!killedAt && n >= HOLDERS / 2) {
      worker.kill('SIGKILL');
      await new Promise((r) => worker.once('exit', r));
      killedAt = { ms: now - tDeliver, arrived: n, counts: await statusCounts(), restartedMs: 0, arrivedAtRestart: 0 };
      worker = startWorker(2);
      killedAt.restartedMs = performance.now() - tDeliver;
      killedAt.arrivedAtRestart = arrived();
    }
    if (killedAt && firstAfterRestartMs === undefined && n > killedAt.arrivedAtRestart) firstAfterRestartMs = now - tDeliver;
    if (worker.exitCode !== null) throw new Error(`the worker exited (${worker.exitCode}); see ${workerLogs.at(-1)}`);
    if (queueMs !== undefined && Math.floor(now / 500) !== Math.floor((now - 20) / 500)) {
      counts = await statusCounts();
      if ((counts.sent ?? 0) + (counts.inbox ?? 0) === HOLDERS) break;
    }
    if (now - lastProgress.at > STALL_MS) break;
  }
  // From the first arrival to the last (seen within 20 ms).
  const deliverMs = lastProgress.at - (tDeliver ?? lastProgress.at);
  const workerStartMs = (tDeliver ?? lastProgress.at) - tWorker;
  await queueing;
  const [{ n: written } = { n: 0 }] = (await db.execute<{ n: number }>(sql`select count(*)::int n from notifications`)).rows;
  if (written !== HOLDERS) throw new Error(`notifyEarnings wrote ${written} messages for ${HOLDERS} holders`);
  worker.kill('SIGTERM');
  await new Promise((r) => (worker.exitCode !== null ? r(null) : worker.once('exit', r)));

  // What arrived, per chat and amount.
  const seen = new Map<string, number>();
  const count = (key: string) => seen.set(key, (seen.get(key) ?? 0) + 1);
  const amountIn = (text: string) => /You earned (.+?) from/.exec(text)?.[1] ?? text;
  for (const m of telegram.sent) count(`telegram:${m.chat_id}|${amountIn(m.text)}`);
  for (const m of discord.messages) count(`discord:${m.channel_id}|${amountIn(m.content)}`);
  let delivered = 0;
  let duplicates = 0;
  let unexpected = 0;
  for (const [key, times] of seen) {
    if (!expected.has(key)) {
      unexpected += times;
      continue;
    }
    delivered += 1;
    duplicates += times - 1;
  }
  const lost = HOLDERS - delivered;
  // Messages a killed worker was sending where a repeat could show twice: kept for the web inbox, not sent again.
  const inDoubt = (
    await db.execute<{ platform: string; external_id: string; text: string }>(
      sql`select target->'identity'->>'platform' platform, target->'identity'->>'externalId' external_id, text from notifications where status = 'inbox'`,
    )
  ).rows;
  const inDoubtArrived = inDoubt.filter((r) => {
    const chat = r.platform === 'telegram' ? r.external_id : discord.dmChannelOf({ id: r.external_id, username: '' });
    return seen.has(`${r.platform}:${chat}|${amountIn(r.text)}`);
  }).length;

  const telegramCount = Math.floor(HOLDERS / 2);
  const discordCount = HOLDERS - telegramCount;
  const idealSeconds = Math.max(telegramCount / TELEGRAM_PER_SECOND, (discordCount * DISCORD_REQUESTS_PER_DM) / DISCORD_GLOBAL_PER_SECOND);
  const limitRate = HOLDERS / idealSeconds;
  const rate = delivered / (deliverMs / 1000);
  const discordRequests = discord.calls.length;

  console.log(`notify bench: ${HOLDERS.toLocaleString('en')} holders (${telegramCount.toLocaleString('en')} Telegram, ${discordCount.toLocaleString('en')} Discord), Node ${process.version}, ${os.cpus().length} cores`);
  console.log(`  limits      Telegram ${TELEGRAM_PER_SECOND} msg/s; Discord ${DISCORD_GLOBAL_PER_SECOND} req/s global (${DISCORD_REQUESTS_PER_DM} per DM) and ${DISCORD_CHANNEL_BUCKET.limit} per ${DISCORD_CHANNEL_BUCKET.windowMs / 1000} s per channel; worker NOTIFY_RATE=${NOTIFY_RATE}`);
  console.log(
    `  setup       start and services ${seconds(tLoad)}, holders and earnings rows ${seconds(loadMs)}, notifyEarnings (write + queue) ${seconds(queueMs ?? NaN)}; first message ${seconds(workerStartMs)} after the worker started`,
  );
  if (killedAt)
    console.log(
      `  kill        SIGKILL at ${seconds(killedAt.ms)} with ${killedAt.arrived.toLocaleString('en')} arrived (rows then: ${Object.entries(killedAt.counts).map(([s, n]) => `${s} ${n}`).join(', ')}); the restarted worker's first message ${firstAfterRestartMs === undefined ? 'never came' : `${seconds(firstAfterRestartMs - killedAt.restartedMs)} after its start`}`,
    );
  console.log(
    `  rows        ${Object.entries(counts).map(([s, n]) => `${s} ${n.toLocaleString('en')}`).join(', ')}${inDoubt.length ? ` (in doubt after the kill, kept for the web inbox: ${inDoubt.length}, of which arrived: ${inDoubtArrived})` : ''}`,
  );
  console.log(
    `  429s        Telegram ${telegram.rateLimited}, Discord global ${discord.rateLimited.global}, Discord per-channel ${discord.rateLimited.route}; Discord requests ${discordRequests.toLocaleString('en')}, repeats answered by nonce ${discord.nonceRepeats}${unexpected ? `; ${unexpected} unexpected messages` : ''}`,
  );
  console.log(`delivered: ${delivered}  duplicates: ${duplicates}  lost: ${lost}`);
  console.log(`elapsed: ${seconds(deliverMs)} delivering, from the first message to the last (${rate.toFixed(1)} msg/s; best the limits allow for this mix: ${limitRate.toFixed(1)} msg/s, ${seconds(idealSeconds * 1000)}), ${seconds(performance.now())} in all (since the process started)`);
  console.log(`notify throughput vs rate limit: ${(rate / limitRate).toFixed(2)}`);
  if (duplicates || lost) {
    for (const f of workerLogs) console.error(`--- ${f} (last lines)\n${fs.readFileSync(f, 'utf8').split('\n').slice(-15).join('\n')}`);
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  await cleanup();
}
