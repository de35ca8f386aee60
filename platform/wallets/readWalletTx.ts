import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { users } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { walletTxPayload, type WalletTxPayload } from './createWalletTxLink.ts';
import { WalletConflictError } from './errors.ts';
import { LINK_GONE, readLinkToken, type LinkTokenRow } from './readLinkToken.ts';

/**
 * The transactions behind a transaction link, for its page, while the wallet they were prepared
 * for is still the linked one.
 *
 * @throws NotFoundError (unknown, expired or used link), WalletConflictError (the wallet was
 * unlinked or replaced since).
 */
export async function readWalletTx(deps: { db: Db }, token: string): Promise<WalletTxPayload & { link: LinkTokenRow }> {
  const link = await readLinkToken(deps, token, 'tx');
  const parsed = walletTxPayload.safeParse(link.payload);
  if (!parsed.success) throw new NotFoundError(LINK_GONE);
  const [user] = await deps.db.select({ walletAddress: users.walletAddress }).from(users).where(eq(users.id, link.userId));
  if (!user?.walletAddress || user.walletAddress.toLowerCase() !== parsed.data.from.toLowerCase())
    throw new WalletConflictError(`These transactions were prepared for wallet ${parsed.data.from}, which is no longer linked. Ask the bot again.`);
  return { ...parsed.data, link };
}
