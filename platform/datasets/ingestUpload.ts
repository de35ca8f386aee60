import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { isUniqueViolation, type Db } from '../db/client.ts';
import { datasets, uploads } from '../db/schema.ts';
import { generateKey, seal, wrapKey, type AesKey } from '../crypto/aead.ts';
import { NotFoundError } from '../errors.ts';
import type { BlobStore } from '../storage/blobStore.ts';
import type { Logger } from '../log.ts';
import type { FetchProgress, FileFetcher, UploadSource } from './uploadSource.ts';
import { newPublicId } from '../ids.ts';
import { DatasetRejectedError, validateDataset, type DatasetLimits } from './validateDataset.ts';

export type Dataset = typeof datasets.$inferSelect;

export type IngestUploadDeps = {
  db: Db;
  blobs: BlobStore;
  masterKey: AesKey;
  limits: DatasetLimits;
  fetchFile: FileFetcher;
  log?: Logger | undefined;
};

export type IngestStage = 'downloading' | 'validating' | 'encrypting' | 'storing';

export type IngestUploadParameters = {
  uploadId: string;
  onStage?: ((stage: IngestStage) => void | Promise<void>) | undefined;
  onDownload?: FetchProgress | undefined;
};

export type IngestResult =
  | { status: 'accepted'; dataset: Dataset }
  | { status: 'duplicate'; dataset: Dataset }
  | { status: 'rejected'; reason: string; message: string };

/** Additional authenticated data binding a dataset blob to its content hash. */
export const datasetAad = (sha256: string) => `caravan:dataset:${sha256}`;

/**
 * Takes an upload from raw bytes to a stored dataset: fetch (size-capped), validate, hash
 * (sha256), encrypt with a fresh per-dataset key wrapped by the master key, store the blob,
 * then record the dataset in one transaction. Idempotent per upload: a finished upload returns
 * its earlier result. A file whose content is already a dataset is answered as a duplicate.
 * A rejected file leaves nothing behind but the upload's status and reason.
 */
export async function ingestUpload(deps: IngestUploadDeps, params: IngestUploadParameters): Promise<IngestResult> {
  const { db } = deps;
  const [upload] = await db.select().from(uploads).where(eq(uploads.id, params.uploadId));
  if (!upload) throw new NotFoundError(`Upload ${params.uploadId} does not exist.`);

  const earlier = await earlierResult(db, upload);
  if (earlier) return earlier;
  await db.update(uploads).set({ status: 'processing', updatedAt: new Date() }).where(eq(uploads.id, upload.id));

  let bytes: Buffer;
  let summary;
  try {
    await params.onStage?.('downloading');
    bytes = await deps.fetchFile(upload.source as UploadSource, {
      maxBytes: deps.limits.maxBytes,
      onProgress: params.onDownload,
    });
    await params.onStage?.('validating');
    summary = validateDataset(bytes, upload.fileName, deps.limits);
  } catch (err) {
    if (!(err instanceof DatasetRejectedError)) throw err;
    await db
      .update(uploads)
      .set({ status: 'rejected', error: err.shortMessage, updatedAt: new Date() })
      .where(eq(uploads.id, upload.id));
    return { status: 'rejected', reason: err.reason, message: err.shortMessage };
  }

  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  const same = await db.select().from(datasets).where(eq(datasets.sha256, sha256));
  if (same[0]) return markDuplicate(db, upload.id, same[0]);

  await params.onStage?.('encrypting');
  const dataKey = generateKey();
  const sealed = seal(dataKey, bytes, datasetAad(sha256));
  // A random name per attempt: concurrent uploads of the same content never overwrite each other's blob.
  const storageKey = `datasets/${sha256}.${crypto.randomBytes(8).toString('hex')}.enc`;
  await params.onStage?.('storing');
  await deps.blobs.put(storageKey, sealed);

  try {
    const dataset = await db.transaction(async (tx) => {
      // The uploader may choose open/private while this runs: read the choice under the row's lock
      // (setUploadAccess takes the same lock), so the dataset starts with the latest one.
      const [current] = await tx.select({ access: uploads.access }).from(uploads).where(eq(uploads.id, upload.id)).for('update');
      const [row] = await tx
        .insert(datasets)
        .values({
          publicId: newPublicId('ds'),
          ownerId: upload.userId,
          name: upload.fileName,
          format: summary.format,
          bytes: summary.bytes,
          rows: summary.rows,
          columns: summary.columns,
          sha256,
          storageKey,
          wrappedKey: wrapKey(deps.masterKey, dataKey, `dataset:${sha256}`),
          status: 'pending_review',
          access: current?.access ?? 'private',
        })
        .returning();
      await tx
        .update(uploads)
        .set({ status: 'accepted', datasetId: row!.id, error: null, updatedAt: new Date() })
        .where(eq(uploads.id, upload.id));
      return row!;
    });
    return { status: 'accepted', dataset };
  } catch (err) {
    await deps.blobs.delete(storageKey);
    if (!isUniqueViolation(err)) throw err;
    const [winner] = await db.select().from(datasets).where(eq(datasets.sha256, sha256));
    return markDuplicate(db, upload.id, winner!);
  }
}

async function markDuplicate(db: Db, uploadId: string, dataset: Dataset): Promise<IngestResult> {
  await db
    .update(uploads)
    .set({ status: 'duplicate', datasetId: dataset.id, error: null, updatedAt: new Date() })
    .where(eq(uploads.id, uploadId));
  return { status: 'duplicate', dataset };
}

async function earlierResult(db: Db, upload: typeof uploads.$inferSelect): Promise<IngestResult | undefined> {
  if (upload.status === 'rejected') return { status: 'rejected', reason: 'earlier', message: upload.error ?? 'Rejected.' };
  if ((upload.status === 'accepted' || upload.status === 'duplicate') && upload.datasetId) {
    const [dataset] = await db.select().from(datasets).where(eq(datasets.id, upload.datasetId));
    return { status: upload.status, dataset: dataset! };
  }
  return undefined;
}
