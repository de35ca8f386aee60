import { eq } from 'drizzle-orm';
import { datasets } from '../db/schema.ts';
import { offerReview, type OfferReviewDeps } from './offerReview.ts';
import { countApprovals, currentRound } from './reviewState.ts';

/**
 * Runs when a review round's time is up: if the dataset is still pending and no later round
 * started, it is offered to as many further validators as approvals are still missing. Stale
 * timers (the review closed, or moved on) do nothing.
 */
export async function expireReviewRound(deps: OfferReviewDeps, params: { datasetId: number; round: number }): Promise<{ offered: number }> {
  const [dataset] = await deps.db.select().from(datasets).where(eq(datasets.id, params.datasetId));
  if (!dataset || dataset.status !== 'pending_review') return { offered: 0 };
  if ((await currentRound(deps.db, dataset.id)) !== params.round) return { offered: 0 };
  const approvals = await countApprovals(deps.db, dataset.id);
  const missing = Math.max(1, deps.review.quorum - approvals);
  const offered = await offerReview(deps, { dataset, round: params.round + 1, count: missing, approvals });
  if (!offered) deps.log.info({ dataset: dataset.publicId }, 'review round timed out; no other validator is left to offer it to');
  return { offered };
}
