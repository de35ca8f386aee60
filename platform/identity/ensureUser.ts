import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { Address } from 'viem';
import { isUniqueViolation, type Db } from '../db/client.ts';
import { identities, keys, users } from '../db/schema.ts';
import { seal, type AesKey } from '../crypto/aead.ts';
import { findUserByIdentity } from './findUserByIdentity.ts';

export type ChatPlatform = 'telegram' | 'discord' | 'web';

export type ChatIdentity = { platform: ChatPlatform; externalId: string; displayName?: string | undefined };

export type User = typeof users.$inferSelect;

export type EnsureUserDeps = { db: Db; masterKey: AesKey };

/** The address a user's receipts and payouts go to: their linked wallet, else their custodial one. */
export function payoutAddress(user: User): Address {
  return (user.walletAddress ?? user.custodialAddress) as Address;
}

/**
 * Returns the user behind a chat account, creating them on first contact with a custodial
 * key (random, encrypted with the master key) so they can receive receipts before linking a wallet.
 * Safe under concurrency: two first messages at once yield one user.
 */
export async function ensureUser(deps: EnsureUserDeps, identity: ChatIdentity): Promise<User> {
  const found = await findUserByIdentity(deps, identity);
  if (found) return found;
  try {
    return await deps.db.transaction(async (tx) => {
      const privateKey = generatePrivateKey();
      const address = privateKeyToAccount(privateKey).address;
      const [user] = await tx
        .insert(users)
        .values({ displayName: identity.displayName ?? null, custodialAddress: address })
        .returning();
      await tx.insert(keys).values({
        userId: user!.id,
        kind: 'custodial',
        address,
        ciphertext: seal(deps.masterKey, Buffer.from(privateKey.slice(2), 'hex'), `caravan:custodial:${address}`),
      });
      await tx.insert(identities).values({ platform: identity.platform, externalId: identity.externalId, userId: user!.id });
      return user!;
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const winner = await findUserByIdentity(deps, identity);
    if (!winner) throw err;
    return winner;
  }
}
