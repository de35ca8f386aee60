import { and, eq } from 'drizzle-orm';
import type { LocalAccount } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { open, type AesKey } from '../crypto/aead.ts';
import type { Db } from '../db/client.ts';
import { keys } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';

/** The user's custodial account, its key decrypted with the master key (only in memory, only for signing). */
export async function custodialAccount(deps: { db: Db; masterKey: AesKey }, userId: number): Promise<LocalAccount> {
  const [row] = await deps.db
    .select()
    .from(keys)
    .where(and(eq(keys.userId, userId), eq(keys.kind, 'custodial')));
  if (!row) throw new NotFoundError(`User ${userId} has no custodial key.`);
  const secret = open(deps.masterKey, row.ciphertext, `caravan:custodial:${row.address}`);
  return privateKeyToAccount(`0x${secret.toString('hex')}`);
}
