import { encodeFunctionData } from 'viem';
import { handoverCharterAbi } from '../../contracts/bindings/index.ts';
import { InputError, NotFoundError } from '../../platform/errors.ts';
import { findUserById } from '../../platform/identity/findUserById.ts';
import { createWalletTxLink } from '../../platform/wallets/createWalletTxLink.ts';
import { treasuryContracts } from './contracts.ts';
import { readDao } from './readDao.ts';
import { readTreasuryProposals } from './readTreasuryProposals.ts';
import { timelockOperationId } from './timelockOperationId.ts';
import type { TreasuryDeps } from './types.ts';
import { utcMinute } from '../../platform/messages/format.ts';


/**
 * The Foundation's guardian veto, for a person whose linked wallet is the Foundation: a one-time
 * page where that wallet sends `HandoverCharter.cancel` for a queued treasury proposal. The
 * platform holds no Foundation key; it only prepares the call. Refused for anyone else, outside
 * TRANSITION, after the veto expired, and for a proposal that is not queued.
 */
export async function guardianCancelLink(deps: TreasuryDeps, params: { userId: number; proposalId: bigint }): Promise<{ url: string; expiresAt: Date; title: string }> {
  const { charter } = treasuryContracts(deps);
  const user = await findUserById(deps, params.userId);
  const dao = await readDao(deps);
  if (!user.walletAddress || user.walletAddress.toLowerCase() !== dao.foundation.toLowerCase())
    throw new InputError(`Only the Foundation (${dao.foundation}) can veto, from its own wallet linked with /link.`);
  if (dao.phase !== 'TRANSITION') throw new InputError(`The guardian's veto exists in the TRANSITION phase only; the charter is in ${dao.phase}.`);
  if (dao.now >= dao.guardianExpiresAt) throw new InputError(`The guardian's veto expired at ${utcMinute(dao.guardianExpiresAt)}.`);
  const [p] = await readTreasuryProposals(deps, { id: params.proposalId });
  if (!p) throw new NotFoundError('There is no such treasury proposal.');
  if (p.state !== 'Queued') throw new InputError(`Only a queued proposal can be vetoed; this one is ${p.state.toLowerCase()}.`);
  const id = await timelockOperationId(deps, p);
  const link = await createWalletTxLink(deps, {
    userId: params.userId,
    title: `Veto “${p.title}” (guardian)`,
    calls: [{ to: charter, data: encodeFunctionData({ abi: handoverCharterAbi, functionName: 'cancel', args: [id] }), value: 0n, label: `Cancel timelock operation ${id.slice(0, 10)}…: ${p.actions.join('; ')}` }],
    ttlMs: 15 * 60_000,
  });
  return { ...link, title: p.title };
}
