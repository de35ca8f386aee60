import { eq, and, sql } from 'drizzle-orm';
import type { LocalAccount } from 'viem';
import type { AesKey } from '../crypto/aead.ts';
import type { Db } from '../db/client.ts';
import { keys } from '../db/schema.ts';
import { custodialAccount } from '../money/custodialAccount.ts';

/**
 * The custodial account that holds `address`, its key decrypted with the master key (in memory,
 * for signing), or `undefined` when no user's custodial key has that address.
 */
export async function signerForAddress(deps: { db: Db; masterKey: AesKey }, address: string): Promise<LocalAccount | undefined> {
  const [row] = await deps.db
    .select({ userId: keys.userId })
    .from(keys)
    .where(and(eq(keys.kind, 'custodial'), sql`lower(${keys.address}) = ${address.toLowerCase()}`));
  return row ? custodialAccount(deps, row.userId) : undefined;
}
