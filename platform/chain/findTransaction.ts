import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { chainTxs } from '../db/schema.ts';
import type { StoredTx } from './storedTx.ts';

/** One stored transaction by its id, or `undefined`. */
export async function findTransaction(deps: { db: Db }, id: number): Promise<StoredTx | undefined> {
  const [row] = await deps.db.select().from(chainTxs).where(eq(chainTxs.id, id));
  return row;
}
