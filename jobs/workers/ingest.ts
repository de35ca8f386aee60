import { eq } from 'drizzle-orm';
import { uploads } from '../../platform/db/schema.ts';
import { ingestUpload } from '../../platform/datasets/ingestUpload.ts';
import { NotFoundError } from '../../platform/errors.ts';
import type { ChatTarget } from '../../platform/notifications/types.ts';
import { uploadDuplicate, uploadFailed, uploadProgress, uploadRejected } from '../../bots/core/messages.ts';
import { listUserDatasets } from '../../platform/datasets/listUserDatasets.ts';
import { releaseStaged } from '../../platform/storage/staging.ts';
import type { UploadSource } from '../../platform/datasets/uploadSource.ts';
import { defineWorker } from '../defineWorker.ts';
import { createProgressEditor } from '../progress.ts';
import type { WorkerDeps } from '../workerDeps.ts';

/** `ingest`: fetch → validate → hash → encrypt → store, then hand the dataset to review. */
export function createIngestWorker(deps: WorkerDeps) {
  return defineWorker({
    name: 'ingest',
    settings: deps.settings,
    log: deps.log,
    async process(job) {
      const [upload] = await deps.db.select().from(uploads).where(eq(uploads.id, job.data.uploadId));
      if (!upload) throw new NotFoundError(`Upload ${job.data.uploadId} does not exist.`);
      const target = upload.replyTarget as ChatTarget;
      const progress = createProgressEditor(deps, target);

      const result = await ingestUpload(deps, {
        uploadId: upload.id,
        onStage: (stage) => progress(uploadProgress(upload.fileName, stage), true),
        onDownload: (received, total) => {
          const pct = total ? Math.min(100, Math.floor((received / total) * 100)) : undefined;
          void job.updateProgress({ stage: 'downloading', received, total });
          void progress(uploadProgress(upload.fileName, 'downloading', pct));
        },
      });
      // The bytes now live encrypted in the blob store (or were refused): drop the staged copy.
      await releaseStaged(upload.source as UploadSource);

      if (result.status === 'rejected') {
        await deps.queues.notify.add(
          'upload-result',
          { key: `upload:${upload.id}:result`, target, text: uploadRejected(upload.fileName, result.message) },
          { jobId: `upload-${upload.id}-result` },
        );
        return { status: 'rejected' };
      }
      if (result.status === 'duplicate') {
        const mine = await listUserDatasets(deps, result.dataset.ownerId, 1000);
        const receipt = mine.find((d) => d.id === result.dataset.id)?.chainReceiptId ?? null;
        await deps.queues.notify.add(
          'upload-result',
          { key: `upload:${upload.id}:result`, target, text: uploadDuplicate(upload.fileName, result.dataset.id, receipt) },
          { jobId: `upload-${upload.id}-result` },
        );
        return { status: 'duplicate', datasetId: result.dataset.id };
      }
      await progress(uploadProgress(upload.fileName, 'review'), true);
      await deps.queues.review.add(
        'review',
        { datasetId: result.dataset.id, uploadId: upload.id },
        { jobId: `review-${result.dataset.id}` },
      );
      return { status: 'accepted', datasetId: result.dataset.id };
    },
    async onGiveUp(job, err) {
      const [upload] = await deps.db
        .update(uploads)
        .set({ status: 'failed', error: err.message, updatedAt: new Date() })
        .where(eq(uploads.id, job.data.uploadId))
        .returning();
      if (!upload) return;
      await deps.queues.notify.add(
        'upload-result',
        {
          key: `upload:${upload.id}:result`,
          target: upload.replyTarget as ChatTarget,
          text: uploadFailed(upload.fileName, err.message),
        },
        { jobId: `upload-${upload.id}-result` },
      );
    },
  });
}
