import type { Database } from '../../platform/db/client.ts';
import type { AesKey } from '../../platform/crypto/aead.ts';
import type { BlobStore } from '../../platform/storage/blobStore.ts';
import { createLogger } from '../../platform/log.ts';
import { createOutboxRouter } from '../../platform/notifications/types.ts';
import { createWebOutbox } from '../../bots/web/webOutbox.ts';
import { createJobsPort } from '../../jobs/createJobsPort.ts';
import type { Queues } from '../../jobs/queues.ts';

/**
 * What the review actions need, for integration tests below the runtime: real queues (with no
 * workers, so what the domain queues can be inspected), the web outbox, a quorum of 2.
 */
export function reviewDeps(params: { database: Database; queues: Queues; blobs: BlobStore; masterKey: AesKey }) {
  return {
    db: params.database.db,
    blobs: params.blobs,
    masterKey: params.masterKey,
    jobs: createJobsPort(params.queues),
    outbox: createOutboxRouter({ web: createWebOutbox({ db: params.database.db }) }),
    review: { quorum: 2, timeoutMs: 60_000, reviewerShareBps: 100 },
    log: createLogger({ level: 'silent', pretty: false }),
  };
}
