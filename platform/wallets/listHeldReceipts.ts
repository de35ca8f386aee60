import { and, asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import { receipts } from '../db/schema.ts';

export type HeldReceipt = { chainReceiptId: bigint; shares: bigint; role: (typeof receipts.$inferSelect)['role'] };

/** The user's receipts that `holder` holds, as recorded from the chain's events (oldest first). */
export async function listHeldReceipts(deps: { db: DbOrTx }, params: { userId: number; holder: string }): Promise<HeldReceipt[]> {
  return deps.db
    .select({ chainReceiptId: receipts.chainReceiptId, shares: receipts.shares, role: receipts.role })
    .from(receipts)
    .where(and(eq(receipts.userId, params.userId), eq(receipts.holderAddress, params.holder)))
    .orderBy(asc(receipts.chainReceiptId));
}
