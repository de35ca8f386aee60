import { and, eq } from 'drizzle-orm';
import { isUniqueViolation } from '../db/client.ts';
import { datasets, reviews, validators } from '../db/schema.ts';
import { InputError, NotFoundError } from '../errors.ts';
import type { ChatOutbox } from '../notifications/types.ts';
import { createProgressEditor } from '../notifications/progressEditor.ts';
import { datasetRejectedByReview, uploadProgress } from '../messages/uploads.ts';
import type { JobsPort } from '../jobsPort.ts';
import type { Db } from '../db/client.ts';
import type { Logger } from '../log.ts';
import { AlreadyReviewedError, NotValidatorError, OwnDataReviewError, ReviewClosedError } from './errors.ts';
import { countApprovals, firstUploadOf } from './reviewState.ts';
import { emitWebhookEvent } from '../webhooks/emitWebhookEvent.ts';
import { datasetReviewedEvent } from '../webhooks/webhookEvents.ts';
import type { ReviewSettings } from './settings.ts';

export type CastReviewVoteDeps = { db: Db; outbox: ChatOutbox; jobs: Pick<JobsPort, 'notify' | 'mintDataset'> & Partial<Pick<JobsPort, 'webhook'>>; review: ReviewSettings; log: Logger };

export type CastReviewVoteParameters = {
  validatorUserId: number;
  datasetId: number;
  decision: 'approved' | 'rejected';
  /** Required for a rejection: the contributor is told it. */
  reason?: string | undefined;
};

export type CastReviewVoteReturnType = {
  outcome: 'approved' | 'rejected' | 'pending_review';
  approvals: number;
  quorum: number;
  dataset: { publicId: string; name: string };
};

export const REJECTION_REASON = { min: 5, max: 500 } as const;

/**
 * Records a validator's vote on a pending dataset. Refused, changing nothing: a person who is
 * not a validator, the dataset's own contributor, a second vote by the same validator, a vote
 * after the review closed, a rejection without a reason. Any rejection with a reason closes the
 * review and tells the contributor why; `quorum` approvals accept the dataset and queue its
 * receipts (the contributor's, and one per approving validator). Votes on one dataset are
 * serialised (row lock), so two last approvals at once accept it once.
 */
export async function castReviewVote(deps: CastReviewVoteDeps, params: CastReviewVoteParameters): Promise<CastReviewVoteReturnType> {
  const reason = params.reason?.trim();
  if (params.decision === 'rejected' && (!reason || reason.length < REJECTION_REASON.min || reason.length > REJECTION_REASON.max))
    throw new InputError(`A rejection needs a reason of ${REJECTION_REASON.min}–${REJECTION_REASON.max} characters: the contributor is told it.`);

  const result = await deps.db.transaction(async (tx) => {
    const [dataset] = await tx.select().from(datasets).where(eq(datasets.id, params.datasetId)).for('update');
    if (!dataset) throw new NotFoundError('There is no such dataset.');
    const [validator] = await tx.select().from(validators).where(eq(validators.userId, params.validatorUserId));
    if (!validator) throw new NotValidatorError();
    if (dataset.ownerId === params.validatorUserId) throw new OwnDataReviewError();
    const [mine] = await tx
      .select()
      .from(reviews)
      .where(and(eq(reviews.datasetId, dataset.id), eq(reviews.reviewerUserId, params.validatorUserId)));
    if (mine) throw new AlreadyReviewedError(`You already ${mine.decision === 'approved' ? 'approved' : 'rejected'} ${dataset.publicId}.`);
    if (dataset.status !== 'pending_review')
      throw new ReviewClosedError(`The review of ${dataset.publicId} is over: it was ${dataset.status === 'approved' ? 'accepted' : 'declined'}.`);

    try {
      await tx.insert(reviews).values({
        datasetId: dataset.id,
        reviewer: 'validator',
        reviewerUserId: params.validatorUserId,
        decision: params.decision,
        reason: reason ?? null,
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AlreadyReviewedError(`You already reviewed ${dataset.publicId}.`);
      throw err;
    }
    const approvals = await countApprovals(tx, dataset.id);
    let outcome: CastReviewVoteReturnType['outcome'] = 'pending_review';
    if (params.decision === 'rejected') outcome = 'rejected';
    else if (approvals >= deps.review.quorum) outcome = 'approved';
    if (outcome !== 'pending_review')
      await tx
        .update(datasets)
        .set({ status: outcome, rejectionReason: outcome === 'rejected' ? reason! : null })
        .where(eq(datasets.id, dataset.id));
    return { outcome, approvals, dataset };
  });

  const { dataset, outcome, approvals } = result;
  const upload = await firstUploadOf(deps.db, dataset.id);
  const progress = upload ? createProgressEditor(deps, upload.target) : async () => {};
  const quorum = deps.review.quorum;
  if (outcome !== 'pending_review')
    await emitWebhookEvent(deps, datasetReviewedEvent({ ...dataset, status: outcome, rejectionReason: outcome === 'rejected' ? reason! : null })!);
  if (outcome === 'approved') {
    if (upload) await progress(uploadProgress(upload.fileName, 'minting', { reviewNote: `approved by ${approvals} validators` }), true);
    await deps.jobs.mintDataset(dataset.id);
  } else if (outcome === 'rejected') {
    if (upload)
      await deps.jobs.notify({
        key: `upload:${upload.id}:result`,
        target: upload.target,
        reply: { text: datasetRejectedByReview(upload.fileName, dataset.publicId, reason!) },
      });
  } else if (upload) {
    await progress(uploadProgress(upload.fileName, 'review', { reviewNote: `${approvals}/${quorum} validator approvals` }), true);
  }
  return { outcome, approvals, quorum, dataset: { publicId: dataset.publicId, name: dataset.name } };
}
