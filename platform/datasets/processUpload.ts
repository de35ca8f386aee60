import { eq } from 'drizzle-orm';
import { uploads } from '../db/schema.ts';
import type { JobsPort } from '../jobsPort.ts';
import type { Logger } from '../log.ts';
import { NotFoundError } from '../errors.ts';
import type { ChatOutbox, ChatTarget } from '../notifications/types.ts';
import { createProgressEditor } from '../notifications/progressEditor.ts';
import { uploadDuplicate, uploadFailed, uploadProgress, uploadRejected } from '../messages/uploads.ts';
import { releaseStaged } from '../storage/staging.ts';
import { ingestUpload, type IngestUploadDeps } from './ingestUpload.ts';
import type { UploadSource } from './uploadSource.ts';

export type ProcessUploadDeps = IngestUploadDeps & { outbox: ChatOutbox; jobs: Pick<JobsPort, 'notify' | 'review'>; log: Logger };

export type ProcessUploadReturnType = { status: 'accepted' | 'duplicate' | 'rejected'; datasetId?: number };

/**
 * The `ingest` job: fetch → validate → hash → encrypt → store (see `ingestUpload`), editing the
 * upload's progress message as it goes, then hands an accepted dataset to review and tells the
 * uploader about a rejection or a duplicate exactly once. The staged copy of a web upload is
 * removed once the result is final.
 */
export async function processUpload(
  deps: ProcessUploadDeps,
  params: { uploadId: string; onDownload?: ((received: number, total: number | undefined) => void) | undefined },
): Promise<ProcessUploadReturnType> {
  const [upload] = await deps.db.select().from(uploads).where(eq(uploads.id, params.uploadId));
  if (!upload) throw new NotFoundError(`Upload ${params.uploadId} does not exist.`);
  // Uploads over the API have no chat: nothing is edited or sent, the status is read over REST.
  const target = upload.replyTarget as ChatTarget | null;
  const progress = target ? createProgressEditor(deps, target) : async () => {};

  const result = await ingestUpload(deps, {
    uploadId: upload.id,
    onStage: (stage) => progress(uploadProgress(upload.fileName, stage), true),
    onDownload: (received, total) => {
      params.onDownload?.(received, total);
      const pct = total ? Math.min(100, Math.floor((100 * received) / total)) : undefined;
      void progress(uploadProgress(upload.fileName, 'downloading', { downloadPct: pct }));
    },
  });
  await releaseStaged(upload.source as UploadSource);

  const key = `upload:${upload.id}:result`;
  if (result.status === 'rejected') {
    if (target) await deps.jobs.notify({ key, target, reply: { text: uploadRejected(upload.fileName, result.message) } });
    return { status: 'rejected' };
  }
  if (result.status === 'duplicate') {
    // Name the earlier dataset only to its owner: someone else's private dataset stays unknown.
    const shown = result.dataset.ownerId === upload.userId ? result.dataset.publicId : null;
    if (target) await deps.jobs.notify({ key, target, reply: { text: uploadDuplicate(upload.fileName, shown) } });
    return { status: 'duplicate', datasetId: result.dataset.id };
  }
  await progress(uploadProgress(upload.fileName, 'review'), true);
  await deps.jobs.review(result.dataset.id);
  return { status: 'accepted', datasetId: result.dataset.id };
}

/** Marks an upload failed after its last attempt and tells the uploader once. */
export async function failUpload(deps: { db: IngestUploadDeps['db']; jobs: Pick<JobsPort, 'notify'> }, params: { uploadId: string; reason: string }): Promise<void> {
  const [upload] = await deps.db
    .update(uploads)
    .set({ status: 'failed', error: params.reason, updatedAt: new Date() })
    .where(eq(uploads.id, params.uploadId))
    .returning();
  if (!upload) return;
  await releaseStaged(upload.source as UploadSource);
  if (upload.replyTarget)
    await deps.jobs.notify({
      key: `upload:${upload.id}:result`,
      target: upload.replyTarget as ChatTarget,
      reply: { text: uploadFailed(upload.fileName, params.reason) },
    });
}
