import { getAddress, type Address } from 'viem';
import type { AesKey } from '../../platform/crypto/aead.ts';
import type { Db } from '../../platform/db/client.ts';
import { InputError } from '../../platform/errors.ts';
import { findUserById } from '../../platform/identity/findUserById.ts';
import { createLinkToken } from '../../platform/wallets/createLinkToken.ts';
import { SNAPSHOT_DOMAIN } from '../hub/messageTypes.ts';
import { aliasAccount } from './aliasAccount.ts';

/** The EIP-712 data the wallet signs: Snapshot's `alias` message, exactly as snapshot.js's client builds it. */
export function aliasTypedData(params: { from: Address; alias: Address; timestamp: number }) {
  return {
    domain: { ...SNAPSHOT_DOMAIN },
    types: { Alias: [{ name: 'from', type: 'address' }, { name: 'alias', type: 'address' }, { name: 'timestamp', type: 'uint64' }] },
    primaryType: 'Alias' as const,
    message: { from: params.from, alias: params.alias, timestamp: params.timestamp },
  };
}

/**
 * A one-time page (`/wallet/alias/<token>`, 15 minutes) where the user's linked wallet signs
 * Snapshot's alias message for their platform-held voting alias, so votes from the chat are signed
 * by the alias for the wallet for 30 days. The message's time is fixed now (the hub accepts it
 * for 6 days, far beyond the link's life).
 */
export async function createAliasLink(
  deps: { db: Db; masterKey: AesKey; settings: { publicUrl: string } },
  params: { userId: number },
): Promise<{ url: string; expiresAt: Date; alias: Address; wallet: Address }> {
  const user = await findUserById(deps, params.userId);
  if (!user.walletAddress) throw new InputError('Link a wallet first (/link): without one your custodial key signs your votes, and no alias is needed.');
  const wallet = getAddress(user.walletAddress);
  const alias = (await aliasAccount(deps, params.userId)).address;
  const link = await createLinkToken(deps, {
    userId: params.userId,
    purpose: 'alias',
    payload: { typedData: aliasTypedData({ from: wallet, alias, timestamp: Math.floor(Date.now() / 1000) }) },
    ttlMs: 15 * 60_000,
  });
  return { url: `${deps.settings.publicUrl}/wallet/alias/${link.token}`, expiresAt: link.expiresAt, alias, wallet };
}
