import { encodeFunctionData, getAddress, parseEventLogs, type Hex } from 'viem';
import { caravanGovernorAbi } from '../../contracts/bindings/index.ts';
import { sendOnce } from '../../platform/chain/sendOnce.ts';
import { InputError, NotFoundError } from '../../platform/errors.ts';
import { findUserById } from '../../platform/identity/findUserById.ts';
import { enforce } from '../../platform/limits/rateLimiter.ts';
import { custodialAccount } from '../../platform/money/custodialAccount.ts';
import { createWalletTxLink } from '../../platform/wallets/createWalletTxLink.ts';
import { treasuryContracts } from './contracts.ts';
import { formatVotes } from './formatVotes.ts';
import { PROPOSAL_STATES, SUPPORT, type Support, type TreasuryDeps } from './types.ts';

/** On-chain votes one person may have relayed per day (the platform pays their gas). */
export const TREASURY_VOTES_PER_DAY = 30;

/** A vote relayed for a custodial user, or the page where a linked wallet sends its own. */
export type TreasuryVoteResult = { kind: 'cast'; weight: bigint; txHash: Hex } | { kind: 'wallet'; weight: bigint; url: string; expiresAt: Date };

/**
 * Votes on a treasury proposal on-chain without the voter paying gas: the user's custodial key
 * signs the governor's EIP-712 `Ballot` and the operator relays it with `castVoteBySig`. A user
 * whose votes live in a linked wallet gets a one-time page where that wallet sends `castVote`
 * itself (the platform cannot sign for it). The governor counts the votes held at the proposal's
 * snapshot; a vote is final (one per voter). Refused, with nothing sent, outside the voting
 * window, with no votes at the snapshot, or after voting once.
 */
export async function castTreasuryVote(deps: TreasuryDeps, params: { userId: number; proposalId: bigint; support: Support }): Promise<TreasuryVoteResult> {
  const { governor } = treasuryContracts(deps);
  const pc = deps.chain.publicClient;
  const g = { address: governor, abi: caravanGovernorAbi } as const;
  const snapshot = await pc.readContract({ ...g, functionName: 'proposalSnapshot', args: [params.proposalId] });
  if (snapshot === 0n) throw new NotFoundError('There is no such treasury proposal.');
  const state = PROPOSAL_STATES[Number(await pc.readContract({ ...g, functionName: 'state', args: [params.proposalId] }))];
  if (state === 'Pending') throw new InputError(`Voting opens after block ${snapshot}; try again in a few blocks.`);
  if (state !== 'Active') throw new InputError(`Voting on this proposal is over (${state?.toLowerCase()}).`);

  const user = await findUserById(deps, params.userId);
  const voter = (user.walletAddress ? getAddress(user.walletAddress) : undefined) ?? (await custodialAccount(deps, params.userId)).address;
  if (await pc.readContract({ ...g, functionName: 'hasVoted', args: [params.proposalId, voter] }))
    throw new InputError('You have voted on this proposal already; on-chain votes are final.');
  const weight = await pc.readContract({ ...g, functionName: 'getVotes', args: [voter, snapshot] });
  if (weight === 0n) throw new InputError(`You had no votes at the proposal's snapshot (block ${snapshot}): receipts and delegated tokens held then count.`);
  const support = SUPPORT[params.support];
  if (user.walletAddress) {
    const link = await createWalletTxLink(deps, {
      userId: params.userId,
      title: `Vote ${params.support} on a treasury proposal`,
      calls: [{ to: governor, data: encodeFunctionData({ abi: caravanGovernorAbi, functionName: 'castVote', args: [params.proposalId, support] }), value: 0n, label: `Vote ${params.support} with ${formatVotes(weight)}` }],
      ttlMs: 15 * 60_000,
    });
    return { kind: 'wallet', weight, ...link };
  }
  const account = await custodialAccount(deps, params.userId);

  await enforce(deps.limiter, { name: 'treasury-vote', limit: TREASURY_VOTES_PER_DAY, windowMs: 86_400_000 }, params.userId, (n) => `cast ${n} treasury votes a day`);
  const [[, name, version, chainId, verifyingContract], nonce] = await Promise.all([
    pc.readContract({ ...g, functionName: 'eip712Domain' }),
    pc.readContract({ ...g, functionName: 'nonces', args: [account.address] }),
  ]);
  const signature = await account.signTypedData({
    domain: { name, version, chainId, verifyingContract },
    types: { Ballot: [{ name: 'proposalId', type: 'uint256' }, { name: 'support', type: 'uint8' }, { name: 'voter', type: 'address' }, { name: 'nonce', type: 'uint256' }] },
    primaryType: 'Ballot',
    message: { proposalId: params.proposalId, support, voter: account.address, nonce },
  });
  // One relayed vote per proposal and voter, whatever happens to this process meanwhile.
  const receipt = await sendOnce(deps, {
    key: `treasury-vote:${params.proposalId}:${account.address}`,
    address: governor,
    abi: caravanGovernorAbi,
    functionName: 'castVoteBySig',
    args: [params.proposalId, support, account.address, signature],
  });
  const [cast] = parseEventLogs({ abi: caravanGovernorAbi, logs: receipt.logs, eventName: 'VoteCast' });
  deps.log.info({ userId: params.userId, proposalId: params.proposalId.toString(), support: params.support, weight: formatVotes(weight) }, 'treasury vote relayed');
  return { kind: 'cast', weight: cast?.args.weight ?? weight, txHash: receipt.transactionHash };
}
