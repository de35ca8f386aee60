import { getAddress, isHex } from 'viem';
import type { Db } from '../../platform/db/client.ts';
import { InputError } from '../../platform/errors.ts';
import { findUserById } from '../../platform/identity/findUserById.ts';
import { consumeLinkToken } from '../../platform/wallets/consumeLinkToken.ts';
import { WalletConflictError } from '../../platform/wallets/errors.ts';
import { readLinkToken } from '../../platform/wallets/readLinkToken.ts';
import { HubMessageError } from '../hub/errors.ts';
import { receiveMessage } from '../hub/receiveMessage.ts';
import type { HubDeps, HubReceipt } from '../hub/types.ts';
import type { aliasTypedData } from './createAliasLink.ts';

/** The alias message an alias page asks the wallet to sign (its link's payload). */
export async function readAliasLink(deps: { db: Db }, token: string): Promise<ReturnType<typeof aliasTypedData>> {
  const row = await readLinkToken(deps, token, 'alias');
  return (row.payload as { typedData: ReturnType<typeof aliasTypedData> }).typedData;
}

/**
 * Takes the wallet's signature of an alias page's message and hands the envelope to the hub,
 * which checks it as it checks any Snapshot client's (signature by the wallet, timestamp, types)
 * and records the alias; then the link is used up. Refused, with nothing stored, when the
 * signature does not verify or the user's linked wallet changed since the link was made.
 */
export async function completeAliasLink(deps: { db: Db; hub: HubDeps }, params: { token: string; signature: string }): Promise<HubReceipt> {
  const row = await readLinkToken(deps, params.token, 'alias');
  const typedData = (row.payload as { typedData: ReturnType<typeof aliasTypedData> }).typedData;
  const user = await findUserById(deps, row.userId);
  if (!user.walletAddress || getAddress(user.walletAddress) !== getAddress(typedData.message.from))
    throw new WalletConflictError('Your linked wallet changed since this link was made: ask for a new one with /alias.');
  if (!isHex(params.signature)) throw new InputError('The signature is not hex.');
  let receipt: HubReceipt;
  try {
    receipt = await receiveMessage(deps.hub, { address: typedData.message.from, sig: params.signature, data: { domain: typedData.domain, types: typedData.types, message: typedData.message } });
  } catch (err) {
    if (err instanceof HubMessageError && err.status < 500) throw new InputError(`The hub refused the alias: ${err.description}.`, { cause: err });
    throw err;
  }
  await consumeLinkToken(deps, row.id);
  return receipt;
}
