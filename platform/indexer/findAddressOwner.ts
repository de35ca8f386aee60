import { or, sql } from 'drizzle-orm';
import { users } from '../db/schema.ts';
import type { Tx } from './types.ts';

/**
 * The user who owns `address` on the platform: as their custodial address or a linked wallet, in any
 * letter case (the chain checksums addresses, the wallet flow may store them lowercase).
 * @returns the user's id (the lowest when several match), or `null` when no user owns it
 */
export async function findAddressOwner(tx: Tx, address: string): Promise<number | null> {
  const [owner] = await tx
    .select({ id: users.id })
    .from(users)
    .where(or(sql`lower(${users.custodialAddress}) = lower(${address})`, sql`lower(${users.walletAddress}) = lower(${address})`))
    .orderBy(users.id)
    .limit(1);
  return owner?.id ?? null;
}
