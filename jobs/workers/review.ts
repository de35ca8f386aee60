import { eq } from 'drizzle-orm';
import { uploads } from '../../platform/db/schema.ts';
import { reviewDataset } from '../../platform/datasets/reviewDataset.ts';
import type { ChatTarget } from '../../platform/notifications/types.ts';
import { datasetRejectedByReview, uploadProgress } from '../../bots/core/messages.ts';
import { defineWorker } from '../defineWorker.ts';
import { createProgressEditor } from '../progress.ts';
import type { WorkerDeps } from '../workerDeps.ts';

/**
 * `review`: applies the review policy to a stored dataset. Approved datasets go on to `mint`.
 * With validator review, a `pending` verdict ends here and validators' decisions enqueue `mint`.
 */
export function createReviewWorker(deps: WorkerDeps) {
  return defineWorker({
    name: 'review',
    settings: deps.settings,
    log: deps.log,
    async process(job) {
      const { status, dataset } = await reviewDataset({ db: deps.db, policy: deps.reviewPolicy }, job.data.datasetId);
      const [upload] = job.data.uploadId
        ? await deps.db.select().from(uploads).where(eq(uploads.id, job.data.uploadId))
        : [];
      const target = upload?.replyTarget as ChatTarget | undefined;
      if (status === 'approved') {
        if (target) await createProgressEditor(deps, target)(uploadProgress(dataset.name, 'minting'), true);
        await deps.queues.mint.add(
          'mint',
          { datasetId: dataset.id, ...(upload ? { uploadId: upload.id } : {}) },
          { jobId: `mint-${dataset.id}` },
        );
      } else if (status === 'rejected' && target && upload) {
        await deps.queues.notify.add(
          'review-result',
          { key: `upload:${upload.id}:result`, target, text: datasetRejectedByReview(dataset.name, undefined) },
          { jobId: `upload-${upload.id}-result` },
        );
      }
      return { status };
    },
  });
}
