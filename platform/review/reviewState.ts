import { and, asc, count, eq, max } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.ts';
import { reviewOffers, reviews, uploads } from '../db/schema.ts';
import type { ChatTarget } from '../notifications/types.ts';

/** Approvals a dataset has from validators so far. */
export async function countApprovals(db: DbOrTx, datasetId: number): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(reviews)
    .where(and(eq(reviews.datasetId, datasetId), eq(reviews.decision, 'approved'), eq(reviews.reviewer, 'validator')));
  return row?.n ?? 0;
}

/** The latest review round of a dataset (0 when it was never offered). */
export async function currentRound(db: DbOrTx, datasetId: number): Promise<number> {
  const [row] = await db.select({ r: max(reviewOffers.round) }).from(reviewOffers).where(eq(reviewOffers.datasetId, datasetId));
  return row?.r ?? 0;
}

/**
 * The upload that brought a dataset in, whose chat message shows its progress; undefined when
 * there is no such chat message (an upload over the API: its owner reads the status over REST).
 */
export async function firstUploadOf(db: Db, datasetId: number): Promise<{ id: string; fileName: string; target: ChatTarget } | undefined> {
  const [u] = await db.select().from(uploads).where(eq(uploads.datasetId, datasetId)).orderBy(asc(uploads.createdAt)).limit(1);
  return u?.replyTarget ? { id: u.id, fileName: u.fileName, target: u.replyTarget as ChatTarget } : undefined;
}
