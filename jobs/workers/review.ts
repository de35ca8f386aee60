import { routeForReview } from '../../platform/review/routeForReview.ts';
import { expireReviewRound } from '../../platform/review/expireReviewRound.ts';
import { defineWorker } from '../defineWorker.ts';
import type { WorkerDeps } from '../workerDeps.ts';

/**
 * `review`: sends a stored dataset to its validators (or approves it when none are appointed);
 * with `round`, re-offers a review that was not completed in time.
 */
export function createReviewWorker(deps: WorkerDeps) {
  return defineWorker({
    name: 'review',
    settings: deps.settings,
    log: deps.log,
    async process(job) {
      if (job.data.round !== undefined) {
        const { offered } = await expireReviewRound(deps, { datasetId: job.data.datasetId, round: job.data.round });
        return { status: 'offered', offered };
      }
      return routeForReview(deps, job.data.datasetId);
    },
  });
}
