import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestPlatform } from '../../test/helpers/testRuntime.ts';
import type { Database } from '../db/client.ts';
import { datasets } from '../db/schema.ts';
import { generateKey } from '../crypto/aead.ts';
import { ensureUser, type User } from '../identity/ensureUser.ts';
import { createFsBlobStore } from '../storage/blobStore.ts';
import { createStagedFileFetcher } from '../storage/staging.ts';
import { createQueues, redisConnection, type Queues } from '../../jobs/queues.ts';
import { reviewDeps } from '../../test/helpers/reviewDeps.ts';
import { createUpload } from '../datasets/createUpload.ts';
import { ingestUpload } from '../datasets/ingestUpload.ts';
import { appointValidator } from './appointValidator.ts';
import { dismissValidator } from './dismissValidator.ts';
import { castReviewVote } from './castReviewVote.ts';
import { routeForReview } from './routeForReview.ts';
import { listReviewQueue } from './listReviewQueue.ts';

/** The review rules, at the domain's edge: who may vote, how often, and what a quorum does — under concurrency. */
describe('castReviewVote', () => {
  let database: Database;
  let close: () => Promise<void>;
  let queues: Queues;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caravan-review-'));
  const staging = path.join(dir, 'incoming');
  const blobs = createFsBlobStore(path.join(dir, 'blobs'));
  const masterKey = generateKey();
  let owner: User;
  const validators: User[] = [];

  beforeAll(async () => {
    fs.mkdirSync(staging, { recursive: true });
    ({ database, close } = await createTestPlatform());
    queues = createQueues({ connection: redisConnection(inject('services').redisUrl), prefix: `review${Date.now()}` });
    owner = await ensureUser({ db: database.db, masterKey }, { platform: 'web', externalId: 'owner' });
    for (const name of ['v1', 'v2', 'v3']) {
      const { user } = await appointValidator({ db: database.db, masterKey }, { identity: { platform: 'web', externalId: name }, addedBy: 'test' });
      validators.push(user);
    }
  });
  afterAll(async () => {
    await queues?.close();
    await close?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const deps = () => reviewDeps({ database, queues, blobs, masterKey });

  /** A stored dataset of `user`, routed to review (so it is pending and offered). */
  async function pending(user: User, content: string): Promise<number> {
    const file = path.join(staging, Math.random().toString(36).slice(2));
    fs.writeFileSync(file, content);
    const upload = await createUpload(database, { userId: user.id, fileName: 'd.txt', source: { kind: 'staged', path: file }, replyTarget: { transport: 'web', chatId: user.id === owner.id ? 'owner' : 'x' } });
    const r = await ingestUpload({ db: database.db, blobs, masterKey, limits: { maxBytes: 1 << 20, maxRows: 100, maxLineBytes: 1000, maxColumns: 10 }, fetchFile: createStagedFileFetcher(staging) }, { uploadId: upload.id });
    if (r.status !== 'accepted') throw new Error(r.status);
    expect((await routeForReview(deps(), r.dataset.id)).status).toBe('pending_review');
    return r.dataset.id;
  }

  it('refuses people who are not validators, the contributor, a second vote, and a rejection without a reason — changing nothing', async () => {
    const id = await pending(owner, 'alpha\nbeta\n');
    const stranger = await ensureUser({ db: database.db, masterKey }, { platform: 'web', externalId: 'stranger' });
    await expect(castReviewVote(deps(), { validatorUserId: stranger.id, datasetId: id, decision: 'approved' })).rejects.toThrow('Only validators can review datasets.');
    await appointValidator({ db: database.db, masterKey }, { identity: { platform: 'web', externalId: 'owner' }, addedBy: 'test' });
    await expect(castReviewVote(deps(), { validatorUserId: owner.id, datasetId: id, decision: 'approved' })).rejects.toThrow('You cannot review your own data');
    await dismissValidator(database, { identity: { platform: 'web', externalId: 'owner' } });
    await expect(castReviewVote(deps(), { validatorUserId: validators[0]!.id, datasetId: id, decision: 'rejected', reason: 'no' })).rejects.toThrow(/needs a reason of 5–500 characters/);
    expect(await castReviewVote(deps(), { validatorUserId: validators[0]!.id, datasetId: id, decision: 'approved' })).toMatchObject({ outcome: 'pending_review', approvals: 1 });
    await expect(castReviewVote(deps(), { validatorUserId: validators[0]!.id, datasetId: id, decision: 'rejected', reason: 'changed my mind' })).rejects.toThrow(/You already approved/);
    const rows = await database.db.execute<{ n: number }>(sql`select count(*)::int n from reviews where dataset_id = ${id}`);
    expect(rows.rows[0]!.n).toBe(1);
    // Nobody sees their own dataset in their queue, and a validator's queue drops what they voted on.
    expect((await listReviewQueue(database, { validatorUserId: validators[0]!.id })).map((d) => d.id)).not.toContain(id);
    expect((await listReviewQueue(database, { validatorUserId: validators[1]!.id })).map((d) => d.id)).toContain(id);
  });

  it('accepts exactly once when the last two approvals arrive together', async () => {
    const id = await pending(owner, 'gamma\ndelta\n');
    const results = await Promise.allSettled(validators.map((v) => castReviewVote(deps(), { validatorUserId: v.id, datasetId: id, decision: 'approved' })));
    const outcomes = results.map((r) => (r.status === 'fulfilled' ? r.value.outcome : (r.reason as Error).name));
    // Two votes make the quorum; the third finds the review closed.
    expect(outcomes.filter((o) => o === 'approved')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'pending_review')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'ReviewClosedError')).toHaveLength(1);
    const [row] = await database.db.select().from(datasets).where(eq(datasets.id, id));
    expect(row!.status).toBe('approved');
    expect((await queues.mint.getJobs(['waiting'])).filter((j) => j.id === `mint-${id}`)).toHaveLength(1);
  });

  it('closes the review on a rejection: the reason is kept and later votes are refused', async () => {
    const id = await pending(owner, 'epsilon\nzeta\n');
    expect(await castReviewVote(deps(), { validatorUserId: validators[1]!.id, datasetId: id, decision: 'rejected', reason: 'Mostly empty lines.' })).toMatchObject({ outcome: 'rejected' });
    const [row] = await database.db.select().from(datasets).where(eq(datasets.id, id));
    expect(row).toMatchObject({ status: 'rejected', rejectionReason: 'Mostly empty lines.' });
    await expect(castReviewVote(deps(), { validatorUserId: validators[2]!.id, datasetId: id, decision: 'approved' })).rejects.toThrow(/it was declined/);
    // The contributor is told once, through the notify queue, with the reason.
    const told = (await queues.notify.getJobs(['waiting'])).filter((j) => j.data.reply.text.includes('Mostly empty lines.'));
    expect(told).toHaveLength(1);
  });
});
