import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { datasets, reviews } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import type { Dataset } from './ingestUpload.ts';

/**
 * Decides whether a dataset is accepted. This is where validator review plugs in: a policy
 * that returns `pending` leaves the dataset waiting for validators' votes, which will call
 * `recordReview` themselves. Until validators exist, the platform runs `autoApprove`.
 */
export type ReviewPolicy = (dataset: Dataset) => Promise<{ decision: 'approved' | 'rejected' | 'pending'; reason?: string }>;

/** Approves every dataset that passed validation. The stand-in until validator review lands. */
export const autoApprove: ReviewPolicy = async () => ({ decision: 'approved', reason: 'passed automatic checks' });

export type ReviewResult = { status: 'approved' | 'rejected' | 'pending_review'; dataset: Dataset };

/** Runs `policy` on a pending dataset and records its decision; already-decided datasets return as they are. */
export async function reviewDataset(
  deps: { db: Db; policy: ReviewPolicy },
  datasetId: number,
): Promise<ReviewResult> {
  const [dataset] = await deps.db.select().from(datasets).where(eq(datasets.id, datasetId));
  if (!dataset) throw new NotFoundError(`Dataset #${datasetId} does not exist.`);
  if (dataset.status !== 'pending_review') return { status: dataset.status, dataset };
  const verdict = await deps.policy(dataset);
  if (verdict.decision === 'pending') return { status: 'pending_review', dataset };
  return recordReview(deps, { datasetId, reviewer: 'auto', decision: verdict.decision, reason: verdict.reason });
}

/** Records a reviewer's decision and moves the dataset out of `pending_review` (once). */
export async function recordReview(
  deps: { db: Db },
  params: { datasetId: number; reviewer: string; decision: 'approved' | 'rejected'; reason?: string | undefined },
): Promise<ReviewResult> {
  return deps.db.transaction(async (tx) => {
    const [updated] = await tx
      .update(datasets)
      .set({ status: params.decision })
      .where(and(eq(datasets.id, params.datasetId), eq(datasets.status, 'pending_review')))
      .returning();
    if (!updated) {
      const [current] = await tx.select().from(datasets).where(eq(datasets.id, params.datasetId));
      if (!current) throw new NotFoundError(`Dataset #${params.datasetId} does not exist.`);
      return { status: current.status, dataset: current };
    }
    await tx.insert(reviews).values({
      datasetId: params.datasetId,
      reviewer: params.reviewer,
      decision: params.decision,
      reason: params.reason ?? null,
    });
    return { status: params.decision, dataset: updated };
  });
}
