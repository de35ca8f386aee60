import { randomUUID } from 'node:crypto';
import { encodeFunctionData, erc20Abi, getAddress, isAddress, keccak256, parseEventLogs, toBytes, zeroAddress, type Address, type Hex } from 'viem';
import { caravanGovernorAbi, handoverCharterAbi } from '../../contracts/bindings/index.ts';
import { sendOnce } from '../../platform/chain/sendOnce.ts';
import { InputError } from '../../platform/errors.ts';
import { findUserById } from '../../platform/identity/findUserById.ts';
import { enforce } from '../../platform/limits/rateLimiter.ts';
import { currencyNamed, ETH, formatAmount, parseAmount } from '../../platform/money/currencies.ts';
import { custodialAccount } from '../../platform/money/custodialAccount.ts';
import { ensureGas, gasNeeded } from '../../platform/money/ensureGas.ts';
import { createWalletTxLink } from '../../platform/wallets/createWalletTxLink.ts';
import { treasuryContracts } from './contracts.ts';
import { formatVotes } from './formatVotes.ts';
import { readDao, treasuryCurrencies } from './readDao.ts';
import type { TreasuryDeps } from './types.ts';
import { utcMinute } from '../../platform/messages/format.ts';

/** A proposal sent with the custodial key, or the page where a linked wallet sends it itself. */
export type TreasuryProposeResult =
  | { kind: 'proposed'; id: bigint; voteStart: bigint; voteEnd: bigint; action: string; txHash: Hex }
  | { kind: 'wallet'; id: bigint; action: string; url: string; expiresAt: Date };

/** Treasury proposals one person may make per day (each costs the platform gas). */
export const TREASURY_PROPOSALS_PER_DAY = 3;


/**
 * Proposes, on the DAO's governor, that the treasury send `amount` of a currency (ETH, a payment
 * token or the governance token) to `to`. Sent by the user's custodial key (gas paid by the
 * platform, a few proposals a day), or, when their votes live in a linked wallet, by that wallet
 * on a one-time page. Refused, with nothing sent: in the FOUNDATION phase (the
 * Foundation runs the treasury; the governor cannot schedule yet), below the governor's proposal
 * threshold, for more than the treasury holds, for a call the charter would refuse, and for an
 * identical proposal that exists already.
 */
export async function proposeTreasuryTransfer(
  deps: TreasuryDeps,
  params: { userId: number; to: string; amount: string; currency: string; title: string; body?: string | undefined; requestKey?: string },
): Promise<TreasuryProposeResult> {
  const title = params.title.trim().replace(/\s+/g, ' ');
  const body = (params.body ?? '').trim();
  if (title.length < 1 || title.length > 120) throw new InputError('The title takes 1 to 120 characters.');
  if (body.length > 2000) throw new InputError('The description takes at most 2,000 characters.');
  if (!isAddress(params.to.trim(), { strict: false }) || getAddress(params.to.trim()) === zeroAddress)
    throw new InputError(`"${params.to.trim().slice(0, 60)}" is not an address to send to: 0x and 40 hex characters.`);
  const to = getAddress(params.to.trim());

  const user = await findUserById(deps, params.userId);
  const { governor, charter, token } = treasuryContracts(deps);
  const dao = await readDao(deps);
  if (dao.phase === 'FOUNDATION')
    throw new InputError(
      `The Foundation runs the treasury until the TRANSITION phase, which can start from ${utcMinute(dao.transitionNotBefore)}: the DAO's proposals can be executed from then on. /dao shows the handover.`,
    );
  const currency = currencyNamed(treasuryCurrencies(deps, token), params.currency);
  const amount = parseAmount(params.amount, currency);
  if (amount <= 0n) throw new InputError('Send more than nothing.');
  const held = dao.balances.find((b) => b.currency.address === currency.address)?.amount ?? 0n;
  if (amount > held) throw new InputError(`The treasury holds ${formatAmount(held, currency)}: it cannot send ${formatAmount(amount, currency)}.`);

  const call: { target: Address; value: bigint; data: Hex } =
    currency.address === ETH.address
      ? { target: to, value: amount, data: '0x' }
      : { target: currency.address, value: 0n, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] }) };
  const pc = deps.chain.publicClient;
  try {
    await pc.readContract({ address: charter, abi: handoverCharterAbi, functionName: 'checkCall', args: [call.target, call.data] });
  } catch {
    throw new InputError(`The handover charter does not allow this call in the ${dao.phase} phase.`);
  }

  const wallet = user.walletAddress ? getAddress(user.walletAddress) : undefined;
  const account = wallet ? undefined : await custodialAccount(deps, params.userId);
  const proposer = wallet ?? account!.address;
  const block = await pc.getBlockNumber({ cacheTime: 0 });
  const [votes, threshold] = await Promise.all([
    pc.readContract({ address: governor, abi: caravanGovernorAbi, functionName: 'getVotes', args: [proposer, block - 1n] }),
    pc.readContract({ address: governor, abi: caravanGovernorAbi, functionName: 'proposalThreshold' }),
  ]);
  if (votes < threshold)
    throw new InputError(`Proposing needs ${formatVotes(threshold)}; you have ${formatVotes(votes)}.`);

  const action = `send ${formatAmount(amount, currency)} to ${to}`;
  const description = `# ${title}\n\n${body ? `${body}\n\n` : ''}Action: ${action}.`;
  const args = [[call.target], [call.value], [call.data], description] as const;
  const id = await pc.readContract({ address: governor, abi: caravanGovernorAbi, functionName: 'hashProposal', args: [args[0], args[1], args[2], keccak256(toBytes(description))] });
  const snapshot = await pc.readContract({ address: governor, abi: caravanGovernorAbi, functionName: 'proposalSnapshot', args: [id] });
  if (snapshot !== 0n) throw new InputError(`An identical proposal exists already (id ${id.toString().slice(0, 12)}…): /treasury shows it.`);

  if (wallet) {
    // The platform cannot sign for a linked wallet: a one-time page where it sends the proposal itself.
    const link = await createWalletTxLink(deps, {
      userId: params.userId,
      title: `Propose “${title}” to the DAO`,
      calls: [{ to: governor, data: encodeFunctionData({ abi: caravanGovernorAbi, functionName: 'propose', args: [[...args[0]], [...args[1]], [...args[2]], description] }), value: 0n, label: `Propose: ${action}` }],
      ttlMs: 15 * 60_000,
    });
    return { kind: 'wallet', id, action, ...link };
  }
  await enforce(deps.limiter, { name: 'treasury-propose', limit: TREASURY_PROPOSALS_PER_DAY, windowMs: 86_400_000 }, params.userId, (n) => `make ${n} treasury proposals a day`);
  await ensureGas(deps, { userId: params.userId, address: proposer, needWei: await gasNeeded(deps, 2) });
  const receipt = await sendOnce(deps, {
    key: `treasury-propose:${params.requestKey ?? randomUUID()}`,
    account: account!,
    address: governor,
    abi: caravanGovernorAbi,
    functionName: 'propose',
    args: [[...args[0]], [...args[1]], [...args[2]], description],
  });
  const [created] = parseEventLogs({ abi: caravanGovernorAbi, logs: receipt.logs, eventName: 'ProposalCreated' });
  deps.log.info({ userId: params.userId, proposalId: id.toString(), action }, 'treasury proposal created');
  return { kind: 'proposed', id, voteStart: created?.args.voteStart ?? 0n, voteEnd: created?.args.voteEnd ?? 0n, action, txHash: receipt.transactionHash };
}
