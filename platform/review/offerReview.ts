import { and, eq, inArray, isNotNull, ne, notInArray } from 'drizzle-orm';
import { identities, reviewOffers, reviews, validators } from '../db/schema.ts';
import type { Dataset } from '../datasets/ingestUpload.ts';
import type { JobsPort } from '../jobsPort.ts';
import type { Logger } from '../log.ts';
import { buildReviewCard } from './buildReviewCard.ts';
import { inspectForReview, type InspectForReviewDeps } from './inspectForReview.ts';
import type { ReviewSettings } from './settings.ts';

export type OfferReviewDeps = InspectForReviewDeps & { jobs: Pick<JobsPort, 'notify' | 'reviewTimeout'>; review: ReviewSettings; log: Logger };

/**
 * Offers a pending dataset to up to `count` validators who have not been offered it yet (never
 * its owner), least busy first: each gets the review card in a direct message. Then schedules
 * the round's timeout, after which what is still missing is offered to others. Returns how many
 * were offered (0 when no other validator is left).
 */
export async function offerReview(deps: OfferReviewDeps, params: { dataset: Dataset; round: number; count: number; approvals: number }): Promise<number> {
  const { db } = deps;
  const { dataset, round } = params;
  const already = db.select({ id: reviewOffers.validatorUserId }).from(reviewOffers).where(eq(reviewOffers.datasetId, dataset.id));
  // NOT IN over a NULL would match nothing: automatic reviews have no reviewer.
  const voted = db
    .select({ id: reviews.reviewerUserId })
    .from(reviews)
    .where(and(eq(reviews.datasetId, dataset.id), isNotNull(reviews.reviewerUserId)));
  const candidates = await db
    .select({ userId: validators.userId, createdAt: validators.createdAt })
    .from(validators)
    .where(and(ne(validators.userId, dataset.ownerId), notInArray(validators.userId, already), notInArray(validators.userId, voted)));
  if (!candidates.length) return 0;
  // Least busy first: fewest reviews offered to them that are still open.
  const load = new Map<number, number>();
  const open = await db
    .select({ userId: reviewOffers.validatorUserId })
    .from(reviewOffers)
    .where(inArray(reviewOffers.validatorUserId, candidates.map((c) => c.userId)));
  for (const o of open) load.set(o.userId, (load.get(o.userId) ?? 0) + 1);
  const chosen = candidates.sort((a, b) => (load.get(a.userId) ?? 0) - (load.get(b.userId) ?? 0) || a.userId - b.userId).slice(0, params.count);

  const inspection = await inspectForReview(deps, dataset);
  const ids = await db.select().from(identities).where(inArray(identities.userId, chosen.map((c) => c.userId)));
  let offered = 0;
  for (const v of chosen) {
    const [inserted] = await db
      .insert(reviewOffers)
      .values({ datasetId: dataset.id, validatorUserId: v.userId, round })
      .onConflictDoNothing()
      .returning();
    if (!inserted) continue;
    offered++;
    const identity = ids.find((i) => i.userId === v.userId);
    if (!identity) {
      deps.log.warn({ validator: v.userId }, 'validator has no chat identity to offer a review to');
      continue;
    }
    const card = await buildReviewCard(deps, { dataset, inspection, validatorUserId: v.userId, approvals: params.approvals, quorum: deps.review.quorum });
    await deps.jobs.notify({
      key: `review:${dataset.id}:offer:${v.userId}`,
      target: { identity: { platform: identity.platform, externalId: identity.externalId } },
      reply: card,
    });
  }
  await deps.jobs.reviewTimeout(dataset.id, round, deps.review.timeoutMs);
  return offered;
}
