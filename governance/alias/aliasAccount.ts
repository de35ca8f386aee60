import { and, eq } from 'drizzle-orm';
import type { LocalAccount } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { open, seal, type AesKey } from '../../platform/crypto/aead.ts';
import type { Db } from '../../platform/db/client.ts';
import { keys } from '../../platform/db/schema.ts';

const aad = (address: string) => `caravan:alias:${address}`;

/**
 * The user's voting alias: a key the platform holds (sealed with the master key, like custodial
 * keys) that a linked wallet authorises, with Snapshot's `alias` message, to sign votes for it.
 * Made on first use; one per user (the same key across renewals).
 */
export async function aliasAccount(deps: { db: Db; masterKey: AesKey }, userId: number): Promise<LocalAccount> {
  const load = async () => {
    const [row] = await deps.db.select().from(keys).where(and(eq(keys.userId, userId), eq(keys.kind, 'alias')));
    return row ? privateKeyToAccount(`0x${open(deps.masterKey, row.ciphertext, aad(row.address)).toString('hex')}`) : undefined;
  };
  const existing = await load();
  if (existing) return existing;
  const privateKey = generatePrivateKey();
  const account = privateKeyToAccount(privateKey);
  await deps.db
    .insert(keys)
    .values({ userId, kind: 'alias', address: account.address, ciphertext: seal(deps.masterKey, Buffer.from(privateKey.slice(2), 'hex'), aad(account.address)) })
    .onConflictDoNothing();
  // Two first uses at once: one insert wins, both use its key.
  return (await load())!;
}
