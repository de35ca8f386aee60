import { and, eq } from 'drizzle-orm';
import { datasets, reviews, validators } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import type { ChatOutbox } from '../notifications/types.ts';
import { createProgressEditor } from '../notifications/progressEditor.ts';
import { uploadProgress } from '../messages/uploads.ts';
import type { JobsPort } from '../jobsPort.ts';
import { offerReview, type OfferReviewDeps } from './offerReview.ts';
import { emitWebhookEvent } from '../webhooks/emitWebhookEvent.ts';
import { datasetReviewedEvent } from '../webhooks/webhookEvents.ts';
import { countApprovals, currentRound, firstUploadOf } from './reviewState.ts';

export type RouteForReviewDeps = OfferReviewDeps & { outbox: ChatOutbox; jobs: Pick<JobsPort, 'notify' | 'reviewTimeout' | 'mintDataset'> & Partial<Pick<JobsPort, 'webhook'>> };

export type RouteForReviewReturnType = { status: 'approved' | 'rejected' | 'pending_review'; offered: number };

/**
 * Sends a stored dataset on to review. With no validators appointed (the dev default) it is
 * approved automatically, and the chat says so; otherwise it waits for `quorum` approvals:
 * its first round is offered to `quorum` validators (never its owner). Idempotent: a dataset
 * already decided or already offered is left as it is.
 */
export async function routeForReview(deps: RouteForReviewDeps, datasetId: number): Promise<RouteForReviewReturnType> {
  const { db } = deps;
  const [dataset] = await db.select().from(datasets).where(eq(datasets.id, datasetId));
  if (!dataset) throw new NotFoundError(`Dataset #${datasetId} does not exist.`);
  if (dataset.status !== 'pending_review') return { status: dataset.status, offered: 0 };
  const upload = await firstUploadOf(db, datasetId);
  const progress = upload ? createProgressEditor(deps, upload.target) : async () => {};

  const [anyValidator] = await db.select({ userId: validators.userId }).from(validators).limit(1);
  if (!anyValidator) {
    const approved = await db.transaction(async (tx) => {
      const [row] = await tx
        .update(datasets)
        .set({ status: 'approved' })
        .where(and(eq(datasets.id, datasetId), eq(datasets.status, 'pending_review')))
        .returning();
      if (row) await tx.insert(reviews).values({ datasetId, reviewer: 'auto', decision: 'approved', reason: 'no validators are appointed' });
      return Boolean(row);
    });
    // Also when a concurrent run approved it first: the event's id makes it one event.
    await emitWebhookEvent(deps, datasetReviewedEvent({ ...dataset, status: 'approved' })!);
    if (approved && upload) await progress(uploadProgress(upload.fileName, 'minting', { reviewNote: 'approved automatically (no validators appointed)' }), true);
    await deps.jobs.mintDataset(datasetId);
    return { status: 'approved', offered: 0 };
  }

  if ((await currentRound(db, datasetId)) > 0) return { status: 'pending_review', offered: 0 };
  const approvals = await countApprovals(db, datasetId);
  const offered = await offerReview(deps, { dataset, round: 1, count: deps.review.quorum, approvals });
  if (upload)
    await progress(
      uploadProgress(upload.fileName, 'review', {
        reviewNote: offered
          ? `waiting for ${deps.review.quorum} validator approval${deps.review.quorum === 1 ? '' : 's'} (0/${deps.review.quorum})`
          : 'waiting for a validator (none is free to review it yet)',
      }),
      true,
    );
  return { status: 'pending_review', offered };
}
