import { getAddress, type Address, type LocalAccount } from 'viem';
import type { AesKey } from '../../platform/crypto/aead.ts';
import type { Db } from '../../platform/db/client.ts';
import { InputError } from '../../platform/errors.ts';
import { findUserById } from '../../platform/identity/findUserById.ts';
import { custodialAccount } from '../../platform/money/custodialAccount.ts';
import { aliasAccount } from './aliasAccount.ts';
import { readAliasStatus } from './readAliasStatus.ts';

/**
 * Who signs a user's Snapshot messages from the chat, and for whom (`from`): their custodial key
 * for itself; or, when their votes live in a linked wallet, the voting alias that wallet authorised
 * (refused, saying how to authorise it, when there is none in force).
 */
export async function chatSigner(deps: { db: Db; masterKey: AesKey }, userId: number): Promise<{ account: LocalAccount; from: Address }> {
  const user = await findUserById(deps, userId);
  if (!user.walletAddress) {
    const account = await custodialAccount(deps, userId);
    return { account, from: account.address };
  }
  const status = await readAliasStatus(deps, { userId });
  if (!status.validUntil)
    throw new InputError(
      `Your votes are held by your wallet ${user.walletAddress}. To vote and propose from the chat, let it authorise your voting alias once (no gas, valid 30 days): /alias. Or use the wallet from any Snapshot client pointed at this hub.`,
    );
  return { account: await aliasAccount(deps, userId), from: getAddress(user.walletAddress) };
}
