import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { parseAbiItem } from 'viem';
import { createTestPlatform } from '../../test/helpers/testRuntime.ts';
import type { Database } from '../db/client.ts';
import { datasets, uploads, users } from '../db/schema.ts';
import { generateKey } from '../crypto/aead.ts';
import type { ChainDeps } from '../chain/clients.ts';
import { ensureUser } from '../identity/ensureUser.ts';
import { createFsBlobStore } from '../storage/blobStore.ts';
import { createStagedFileFetcher } from '../storage/staging.ts';
import { inject } from 'vitest';
import { mintDatasetReceipts } from '../receipts/mintDatasetReceipts.ts';
import { routeForReview } from '../review/routeForReview.ts';
import { reviewDeps } from '../../test/helpers/reviewDeps.ts';
import { createQueues, redisConnection, type Queues } from '../../jobs/queues.ts';
import { createJobsPort } from '../../jobs/createJobsPort.ts';
import { createUpload } from './createUpload.ts';
import { ingestUpload } from './ingestUpload.ts';
import { readDataset } from './readDataset.ts';

describe('ingest → review → mint, under retries and concurrency', () => {
  let database: Database;
  let chain: ChainDeps;
  let close: () => Promise<void>;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caravan-ingest-'));
  const staging = path.join(dir, 'incoming');
  const blobs = createFsBlobStore(path.join(dir, 'blobs'));
  const masterKey = generateKey();
  const limits = { maxBytes: 1 << 20, maxRows: 1000, maxLineBytes: 4096, maxColumns: 16 };
  const fetchFile = createStagedFileFetcher(staging);

  let queues: Queues;
  beforeAll(async () => {
    fs.mkdirSync(staging, { recursive: true });
    ({ database, chain, close } = await createTestPlatform());
    // Real queues with a prefix of this test's own and no workers: what the domain queues is inspected.
    queues = createQueues({ connection: redisConnection(inject('services').redisUrl), prefix: `ingest${Date.now()}` });
  });
  afterAll(async () => {
    await queues?.close();
    await close?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const routeDeps = () => reviewDeps({ database, queues, blobs, masterKey });
  const mintDeps = () => ({ db: database.db, chain, jobs: createJobsPort(queues), reviewerShareBps: 100 });

  const deps = () => ({ db: database.db, blobs, masterKey, limits, fetchFile });

  async function stagedUpload(userId: number, fileName: string, content: string) {
    const file = path.join(staging, `${Math.random().toString(36).slice(2)}`);
    fs.writeFileSync(file, content);
    return createUpload(
      { db: database.db },
      { userId, fileName, source: { kind: 'staged', path: file }, replyTarget: { transport: 'web', chatId: 'c' } },
    );
  }

  it('creates one user for concurrent first contacts', async () => {
    const identity = { platform: 'web' as const, externalId: 'same-person' };
    const got = await Promise.all(Array.from({ length: 5 }, () => ensureUser({ db: database.db, masterKey }, identity)));
    expect(new Set(got.map((u) => u.id)).size).toBe(1);
    const [{ n }] = (await database.db.execute<{ n: number }>(sql`select count(*)::int n from keys where user_id = ${got[0]!.id}`)).rows as [{ n: number }];
    expect(n).toBe(1);
  });

  it('turns concurrent uploads of the same content into one dataset and no orphan blob', async () => {
    const a = await ensureUser({ db: database.db, masterKey }, { platform: 'web', externalId: 'a' });
    const b = await ensureUser({ db: database.db, masterKey }, { platform: 'web', externalId: 'b' });
    const content = 'text,label\nhello,1\nworld,0\n';
    const ups = await Promise.all([
      stagedUpload(a.id, 'x.csv', content),
      stagedUpload(b.id, 'y.csv', content),
      stagedUpload(a.id, 'z.csv', content),
    ]);
    const results = await Promise.all(ups.map((u) => ingestUpload(deps(), { uploadId: u.id })));
    expect(results.filter((r) => r.status === 'accepted')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'duplicate')).toHaveLength(2);
    const rows = await database.db.select().from(datasets);
    expect(rows).toHaveLength(1);
    expect(fs.readdirSync(path.join(dir, 'blobs', 'datasets'))).toEqual([rows[0]!.storageKey.split('/')[1]]);
    expect((await readDataset({ blobs, masterKey }, rows[0]!)).toString()).toBe(content);

    // Running an upload's job again returns its first result.
    const again = await ingestUpload(deps(), { uploadId: ups[0]!.id });
    expect(again.status).toBe(results[0]!.status);
  });

  it('approves automatically without validators, and mints one asset and one receipt however often the mint job runs', async () => {
    const [user] = await database.db.select().from(users).limit(1);
    const up = await stagedUpload(user!.id, 'm.txt', 'some knowledge\nmore knowledge\n');
    const ingested = await ingestUpload(deps(), { uploadId: up.id });
    expect(ingested.status).toBe('accepted');
    if (ingested.status !== 'accepted') return;
    expect((await routeForReview(routeDeps(), ingested.dataset.id)).status).toBe('approved');
    // Routing twice records one review and queues one mint.
    expect((await routeForReview(routeDeps(), ingested.dataset.id)).status).toBe('approved');
    const [{ n }] = (await database.db.execute<{ n: number }>(sql`select count(*)::int n from reviews where dataset_id = ${ingested.dataset.id}`)).rows as [{ n: number }];
    expect(n).toBe(1);
    expect((await queues.mint.getJobs(['waiting'])).filter((j) => j.id === `mint-${ingested.dataset.id}`)).toHaveLength(1);

    const runs = await Promise.all([1, 2, 3].map(() => mintDatasetReceipts(mintDeps(), ingested.dataset.id)));
    expect(new Set(runs.map((r) => r.contributor.chainReceiptId)).size).toBe(1);
    const again = await mintDatasetReceipts(mintDeps(), ingested.dataset.id);
    expect(again.contributor.issueTx).toBe(runs[0]!.contributor.issueTx);
    // No validators: the contributor holds the whole asset, as the chain says.
    expect(again.contributor.shares).toBe(again.totalShares);
    expect(again.reviewers).toEqual([]);
    const logs = await chain.publicClient.getLogs({
      address: chain.addresses.receipts,
      event: parseAbiItem('event ReceiptIssued(uint256 indexed receiptId, uint256 indexed assetId, address indexed holder, uint256 shares)'),
      args: { assetId: runs[0]!.chainAssetId },
      fromBlock: 0n,
    });
    expect(logs).toHaveLength(1);
    expect(logs[0]!.args.holder).toBe(user!.custodialAddress);
    // The contributor is told once, through the notify queue.
    expect((await queues.notify.getJobs(['waiting'])).filter((j) => j.data.key === `upload:${up.id}:result`)).toHaveLength(1);
  });

  it('refuses to mint a dataset that is not approved', async () => {
    const [user] = await database.db.select().from(users).limit(1);
    const up = await stagedUpload(user!.id, 'p.md', '# pending\n');
    const ingested = await ingestUpload(deps(), { uploadId: up.id });
    if (ingested.status !== 'accepted') throw new Error('expected accepted');
    await expect(mintDatasetReceipts(mintDeps(), ingested.dataset.id)).rejects.toThrow(/pending review; only approved/);
  });

  it('marks a rejected upload with its reason and stores nothing', async () => {
    const [user] = await database.db.select().from(users).limit(1);
    const before = await database.db.select().from(datasets);
    const up = await stagedUpload(user!.id, 'bad.jsonl', '{"a":1}\nnot json\n');
    const result = await ingestUpload(deps(), { uploadId: up.id });
    expect(result).toMatchObject({ status: 'rejected', reason: 'bad_json' });
    const [row] = await database.db.select().from(uploads).where(eq(uploads.id, up.id));
    expect(row!.status).toBe('rejected');
    expect(row!.error).toMatch(/Line 2 is not valid JSON/);
    expect(await database.db.select().from(datasets)).toHaveLength(before.length);
  });
});
