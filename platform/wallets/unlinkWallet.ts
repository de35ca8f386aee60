import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import type { Address } from 'viem';
import type { Db } from '../db/client.ts';
import { users, walletLinks } from '../db/schema.ts';
import { InputError, NotFoundError } from '../errors.ts';
import { listHeldReceipts } from './listHeldReceipts.ts';

export type UnlinkWalletParameters = {
  userId: number;
  /** The wallet the person confirmed unlinking; refused if another one is linked by now. */
  expected?: string | undefined;
};

export type UnlinkWalletReturnType = {
  /** The wallet that was linked. */
  address: Address;
  /** How many of the user's receipts that wallet holds: they stay there. */
  receiptsKept: number;
};

/**
 * Unlinks the user's wallet: receipts issued from now on go to their custodial address again.
 * Receipts already moved to the wallet stay with it (only that wallet can move them). Linking a
 * wallet again afterwards is a new link.
 *
 * @throws InputError when no wallet (or another one than `expected`) is linked.
 */
export async function unlinkWallet(deps: { db: Db }, params: UnlinkWalletParameters): Promise<UnlinkWalletReturnType> {
  return deps.db.transaction(async (tx) => {
    const [user] = await tx.select().from(users).where(eq(users.id, params.userId)).for('update');
    if (!user) throw new NotFoundError(`User ${params.userId} does not exist.`);
    if (!user.walletAddress) throw new InputError('No wallet is linked to your account.');
    if (params.expected && params.expected.toLowerCase() !== user.walletAddress.toLowerCase())
      throw new InputError(`The linked wallet is now ${user.walletAddress}, not ${params.expected}. Send /unlink again.`);
    const address = user.walletAddress as Address;
    await tx.update(users).set({ walletAddress: null }).where(eq(users.id, user.id));
    await tx
      .update(walletLinks)
      .set({ unlinkedAt: new Date() })
      .where(and(eq(walletLinks.userId, user.id), isNotNull(walletLinks.linkedAt), isNull(walletLinks.unlinkedAt)));
    const kept = await listHeldReceipts({ db: tx }, { userId: user.id, holder: address });
    return { address, receiptsKept: kept.length };
  });
}
