/**
 * `npm run bench:hub [-- --votes 4000 --concurrency 64]`: the governance hub under a burst of votes.
 *
 * Votes from many wallets on one proposal are signed beforehand (Snapshot's vote types, viem),
 * then posted over HTTP by concurrent keep-alive clients (node:http, in a worker thread) to the real hub (`POST /hub`:
 * envelope checks, signature, PostgreSQL writes, voting power from its cache, votes group-committed
 * as the runtime does), and — in the same run, on a second proposal — to the same pipeline
 * verifying signatures with snapshot.js's `utils.verify` instead of the hub's own recovery. First,
 * the same HTTP stack answering at once (the ceiling the machine allows, as loaded now). Prints
 * votes/s, p50/p99 latency and this process's CPU per vote for each, the time snapshot.js's voting
 * classes take to tally 100,000 votes, and the closing line
 * `hub votes/s on 2 cores: X (snapshot.js verify path: Y)`.
 */
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { getAddress, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { startEmbeddedPostgres } from '../platform/infra/postgres.ts';
import { startAnvil } from '../platform/infra/anvil.ts';
import { startWatchdog } from '../platform/infra/watchdog.ts';
import { freePort } from '../platform/infra/freePort.ts';
import type { HubDeps } from '../governance/hub/types.ts';
import { SNAPSHOT_DOMAIN } from '../governance/hub/messageTypes.ts';

const { values } = parseArgs({ options: { votes: { type: 'string', default: '4000' }, concurrency: { type: 'string', default: '64' } } });
const VOTES = Number(values.votes);
const CONCURRENCY = Number(values.concurrency);
if (!Number.isInteger(VOTES) || VOTES < 10) throw new Error(`--votes must be a whole number ≥ 10, not ${values.votes}`);

const cleanups: Array<() => unknown> = [];
const cleanup = async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
};
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'caravan-bench-hub-'));
// Embedded PostgreSQL runs as its own user when we are root: it must reach the data directory.
fs.chmodSync(root, 0o755);
cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }));

const voteTypes = {
  Vote: [
    { name: 'from', type: 'address' },
    { name: 'space', type: 'string' },
    { name: 'timestamp', type: 'uint64' },
    { name: 'proposal', type: 'bytes32' },
    { name: 'choice', type: 'uint32' },
    { name: 'reason', type: 'string' },
    { name: 'app', type: 'string' },
    { name: 'metadata', type: 'string' },
  ],
};
const domain = SNAPSHOT_DOMAIN;

/**
 * `CONCURRENCY` clients posting `bodies` in turn over keep-alive HTTP/1.1 (node:http, one socket
 * each), timing each request. (fetch, tried first, spent more CPU per request than the hub: a load
 * generator on the hub's machine must stay light, as remote clients cost it nothing.)
 */
const CLIENTS = `
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const { url, bodies, concurrency } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const { hostname, port, pathname } = new URL(url);
const post = (body) => new Promise((resolve, reject) => {
  const req = http.request({ agent, hostname, port, path: pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
    res.on('data', () => {});
    res.on('end', () => resolve(res.statusCode));
    res.on('error', reject);
  });
  req.on('error', reject);
  req.end(body);
});
const latencies = [];
let next = 0;
let failed = 0;
const start = performance.now();
Promise.all(Array.from({ length: concurrency }, async () => {
  while (next < bodies.length) {
    const body = bodies[next++];
    const t = performance.now();
    const status = await post(body);
    latencies.push(performance.now() - t);
    if (status !== 200) failed++;
  }
})).then(() => { agent.destroy(); parentPort.postMessage({ latencies, failed, seconds: (performance.now() - start) / 1000 }); });
`;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main() {
  const watchdog = startWatchdog();
  cleanups.push(() => watchdog.close());
  const [pg, anvil] = await Promise.all([startEmbeddedPostgres({ dataDir: path.join(root, 'pg'), port: await freePort(), watchdog }), startAnvil({ watchdog })]);
  cleanups.push(() => Promise.allSettled([pg.stop(), anvil.stop()]));
  const [{ createDatabase, migrateDatabase }, { ANVIL_DEV_KEY, connectChain }, { ensureDeployment }, { createLogger }, { ensureSpace }, { hubRelayerAccount }, { createHubRouter }, { snapshotjs }, schema, { generateKey }, { createVoteQueue }] =
    await Promise.all([
      import('../platform/db/client.ts'),
      import('../platform/chain/clients.ts'),
      import('../platform/chain/ensureDeployment.ts'),
      import('../platform/log.ts'),
      import('../governance/hub/ensureSpace.ts'),
      import('../governance/hub/relayerAccount.ts'),
      import('../api/hub.ts'),
      import('../governance/snapshotjs.ts'),
      import('../platform/db/schema.ts'),
      import('../platform/crypto/aead.ts'),
      import('../governance/hub/voteQueue.ts'),
    ]);
  const database = createDatabase(await pg.ensureDatabase('bench'));
  cleanups.push(() => database.close());
  const { db } = database;
  await migrateDatabase(db);
  const log = createLogger({ level: 'warn', pretty: false });
  const chain = await connectChain({ rpcUrl: anvil.rpcUrl, operatorKey: ANVIL_DEV_KEY });
  const { addresses } = await ensureDeployment({ db, log }, chain, { allowDeploy: true });
  const SPACE = 'bench.eth';
  const space = await ensureSpace({ db, chain }, { id: SPACE, addresses, fallbackController: chain.account.address });
  const relayer = hubRelayerAccount(generateKey());

  type Recover = NonNullable<HubDeps['recover']>;
  // snapshot.js's path: `utils.verify` (ethers' typed-data recovery) says yes or no for the claimed address.
  const snapshotRecover: Recover = async (data, _t, sig) => {
    const from = getAddress(String(data.message.from));
    return (await snapshotjs.utils.verify(from, sig, data as never, String(chain.chainId)).catch(() => false)) ? from : null;
  };

  const serve = async (recover?: Recover) => {
    const app = express();
    // As the runtime builds it: one vote queue (group commit) per process.
    const voteQueue = createVoteQueue();
    cleanups.push(() => voteQueue.close());
    app.use('/hub', createHubRouter({ db, chain, relayer, defaultController: space.controller, voteQueue, ...(recover ? { recover } : {}) }));
    const server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => (server.close(r), server.closeAllConnections())));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hub`;
  };
  const [hubUrl, snapshotUrl] = await Promise.all([serve(), serve(snapshotRecover)]);

  // Wallets, and their voting power cached for both proposals (the hub reads the cache first).
  process.stdout.write(`signing ${2 * VOTES} votes from ${VOTES} wallets… `);
  const wallets: PrivateKeyAccount[] = Array.from({ length: VOTES }, () => privateKeyToAccount(generatePrivateKey()));
  const now = Math.floor(Date.now() / 1000);
  const block = Number(await chain.publicClient.getBlockNumber());
  const proposals = [`0x${'a1'.repeat(32)}`, `0x${'b2'.repeat(32)}`] as const;
  for (const id of proposals) {
    await db.insert(schema.hubProposals).values({
      id,
      ipfs: 'bench',
      author: chain.account.address,
      created: now,
      space: SPACE,
      network: String(chain.chainId),
      symbol: 'VOTE',
      type: 'single-choice',
      strategies: [],
      title: `Bench ${id.slice(0, 6)}`,
      body: '',
      choices: ['For', 'Against', 'Abstain'],
      start: now - 60,
      end: now + 3600,
      snapshot: block,
    });
    for (let i = 0; i < VOTES; i += 1000)
      await db.insert(schema.hubVpCache).values(
        wallets.slice(i, i + 1000).map((w, j) => ({ proposal: id, voter: w.address, vpExact: String(BigInt(i + j + 1) * 10n ** 18n), vpByStrategy: [String(BigInt(i + j + 1) * 10n ** 18n)], created: now })),
      );
  }
  const t0 = performance.now();
  const sign = (id: string) =>
    Promise.all(
      wallets.map(async (w, i) => {
        const message = { from: w.address, space: SPACE, timestamp: now, proposal: id, choice: (i % 3) + 1, reason: '', app: 'bench', metadata: '{}' };
        const sig = await w.signTypedData({ domain, types: voteTypes, primaryType: 'Vote', message: { ...message, timestamp: BigInt(now), proposal: id as Hex } });
        return JSON.stringify({ address: w.address, sig, data: { domain, types: voteTypes, message } });
      }),
    );
  const [forHub, forSnapshot] = [await sign(proposals[0]), await sign(proposals[1])];
  console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // The HTTP clients run in a worker thread, as remote clients would be: the hub's event loop
  // serves requests and does not also drive 64 fetch loops (on 2 cores the second one is shared
  // with PostgreSQL and this worker).
  const post = async (url: string, bodies: string[]) => {
    const cpu = process.cpuUsage();
    const { latencies, failed, seconds } = await new Promise<{ latencies: number[]; failed: number; seconds: number }>((resolve, reject) => {
      const worker = new Worker(CLIENTS, { eval: true, workerData: { url, bodies, concurrency: CONCURRENCY } });
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const used = process.cpuUsage(cpu);
    latencies.sort((a, b) => a - b);
    // CPU time of this process (hub and its HTTP clients; PostgreSQL not included) per vote: what other load on the machine inflates least.
    const cpuMs = (used.user + used.system) / 1000 / bodies.length;
    return { perSecond: bodies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), failed, cpuMs };
  };

  // The floor: the same HTTP stack (express, its JSON body parser, the same clients) answering at
  // once — what no hub behind it can beat on this machine as it is loaded now.
  const floorUrl = await (async () => {
    const app = express();
    const answer = { id: `0x${'0'.repeat(64)}`, ipfs: `b${'a'.repeat(58)}`, relayer: { address: relayer.address, receipt: `0x${'0'.repeat(130)}` } };
    app.post('/hub', express.json({ limit: '110kb' }), (_req, res) => void res.json(answer));
    const server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => (server.close(r), server.closeAllConnections())));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hub`;
  })();
  const floor = await post(floorUrl, forHub);
  const hub = await post(hubUrl, forHub);
  const snap = await post(snapshotUrl, forSnapshot);
  const stored = await db.$count(schema.hubVotes);
  for (const [name, r] of [
    ['http floor (empty handler)', floor],
    ['hub (libsecp256k1 recovery)', hub],
    ['snapshot.js utils.verify path', snap],
  ] as const)
    console.log(`${name.padEnd(30)} ${r.perSecond.toFixed(0).padStart(6)} votes/s   p50 ${r.p50.toFixed(1)} ms   p99 ${r.p99.toFixed(1)} ms   refused ${r.failed}   cpu ${r.cpuMs.toFixed(2)} ms/vote`);
  console.log(`votes stored: ${stored} of ${2 * VOTES} (concurrency ${CONCURRENCY}, ${os.cpus().length} cores)`);

  // The tally of 100,000 votes with snapshot.js's own classes, as the hub runs it.
  const Voting = snapshotjs.utils.voting['single-choice'] as unknown as new (p: unknown, v: unknown[], s: unknown[]) => { getScores(): number[] };
  const many = Array.from({ length: 100_000 }, (_, i) => ({ choice: (i % 3) + 1, balance: (i % 97) + 1, scores: [(i % 97) + 1] }));
  const t1 = performance.now();
  const scores = new Voting({ choices: ['For', 'Against', 'Abstain'] }, many, [{ name: 'x' }]).getScores();
  console.log(`tally of 100,000 votes: ${(performance.now() - t1).toFixed(0)} ms (scores ${scores.map((s) => s.toFixed(0)).join(' / ')})`);
  console.log(`hub votes/s on ${os.cpus().length} cores: ${hub.perSecond.toFixed(0)} (snapshot.js verify path: ${snap.perSecond.toFixed(0)})`);
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(cleanup);
