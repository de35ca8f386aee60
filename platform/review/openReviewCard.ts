import { eq } from 'drizzle-orm';
import { datasets, validators } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import type { Reply } from '../chat/reply.ts';
import { buildReviewCard } from './buildReviewCard.ts';
import { NotValidatorError, OwnDataReviewError, ReviewClosedError } from './errors.ts';
import { inspectForReview, type InspectForReviewDeps } from './inspectForReview.ts';
import { countApprovals } from './reviewState.ts';
import type { ReviewSettings } from './settings.ts';

/** The review card of a pending dataset for a validator who asked for it (from `/review`). */
export async function openReviewCard(
  deps: InspectForReviewDeps & { review: ReviewSettings },
  params: { validatorUserId: number; datasetId: number },
): Promise<Reply> {
  const [validator] = await deps.db.select().from(validators).where(eq(validators.userId, params.validatorUserId));
  if (!validator) throw new NotValidatorError();
  const [dataset] = await deps.db.select().from(datasets).where(eq(datasets.id, params.datasetId));
  if (!dataset) throw new NotFoundError('There is no such dataset.');
  if (dataset.ownerId === params.validatorUserId) throw new OwnDataReviewError();
  if (dataset.status !== 'pending_review') throw new ReviewClosedError(`The review of ${dataset.publicId} is over.`);
  const inspection = await inspectForReview(deps, dataset);
  const approvals = await countApprovals(deps.db, dataset.id);
  return buildReviewCard(deps, { dataset, inspection, validatorUserId: params.validatorUserId, approvals, quorum: deps.review.quorum });
}
