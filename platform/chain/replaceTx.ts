import { and, eq } from 'drizzle-orm';
import type { Account } from 'viem';
import type { ChainTxVersion } from '../db/schema.ts';
import { chainTxs } from '../db/schema.ts';
import { signReplacement } from './signReplacement.ts';
import { currentVersion, versionsOf, type StoredTx, type TxDeps } from './storedTx.ts';
import type { TxPolicy } from './txPolicy.ts';

export type ReplaceTxParameters = {
  tx: StoredTx;
  account: Account;
  /** Default: what the current version is (a cancel stays a cancel). */
  kind?: ChainTxVersion['kind'] | undefined;
  policy: TxPolicy;
};

/**
 * Signs a replacement of `tx` at its nonce with higher fees and stores it as the current version,
 * keeping every earlier one in `history`. Nothing is broadcast: the stored row is the write-ahead
 * log. When another process replaced or settled the row meanwhile, its row is returned instead.
 */
export async function replaceTx(deps: TxDeps, params: ReplaceTxParameters): Promise<StoredTx> {
  const { db } = deps;
  const { tx } = params;
  const version = await signReplacement(deps, { ...params, kind: params.kind ?? currentVersion(tx).kind });
  const [updated] = await db
    .update(chainTxs)
    .set({ hash: version.hash, raw: version.raw, history: [...versionsOf(tx), version] })
    .where(and(eq(chainTxs.id, tx.id), eq(chainTxs.hash, tx.hash), eq(chainTxs.status, 'sent')))
    .returning();
  if (updated) return updated;
  const [now] = await db.select().from(chainTxs).where(eq(chainTxs.id, tx.id));
  return now!;
}
