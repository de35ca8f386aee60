import { and, asc, eq, isNull, ne } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { datasets, reviews, validators } from '../db/schema.ts';
import { NotValidatorError } from './errors.ts';

export type ReviewQueueEntry = { id: number; publicId: string; name: string; rows: number; format: string; createdAt: Date };

/**
 * What waits for a validator: pending datasets that are not their own and that they have not
 * voted on, oldest first. Refused for people who are not validators.
 */
export async function listReviewQueue(deps: { db: Db }, params: { validatorUserId: number; limit?: number }): Promise<ReviewQueueEntry[]> {
  const [validator] = await deps.db.select().from(validators).where(eq(validators.userId, params.validatorUserId));
  if (!validator) throw new NotValidatorError();
  return deps.db
    .select({ id: datasets.id, publicId: datasets.publicId, name: datasets.name, rows: datasets.rows, format: datasets.format, createdAt: datasets.createdAt })
    .from(datasets)
    .leftJoin(reviews, and(eq(reviews.datasetId, datasets.id), eq(reviews.reviewerUserId, params.validatorUserId)))
    .where(and(eq(datasets.status, 'pending_review'), ne(datasets.ownerId, params.validatorUserId), isNull(reviews.id)))
    .orderBy(asc(datasets.createdAt))
    .limit(params.limit ?? 25);
}
