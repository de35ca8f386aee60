import { eq } from 'drizzle-orm';
import type { Address } from 'viem';
import type { DbOrTx } from '../db/client.ts';
import { users } from '../db/schema.ts';
import { InputError, NotFoundError } from '../errors.ts';
import type { User } from '../identity/ensureUser.ts';

/**
 * The user and their linked wallet.
 *
 * @throws NotFoundError for an unknown user; InputError when no wallet is linked.
 */
export async function findWalletUser(deps: { db: DbOrTx }, userId: number): Promise<{ user: User; wallet: Address; custodial: Address }> {
  const [user] = await deps.db.select().from(users).where(eq(users.id, userId));
  if (!user) throw new NotFoundError(`User ${userId} does not exist.`);
  if (!user.walletAddress) throw new InputError('No wallet is linked to your account. Send /link in the chat to link one.');
  return { user, wallet: user.walletAddress as Address, custodial: user.custodialAddress as Address };
}
