import { erc20Abi, type Address } from 'viem';
import { caravanGovernorAbi, caravanTimelockAbi, handoverCharterAbi } from '../../contracts/bindings/index.ts';
import { ETH, type Currency } from '../../platform/money/currencies.ts';
import { treasuryContracts } from './contracts.ts';
import { PHASES, type Phase, type TreasuryDeps } from './types.ts';

export type DaoStatus = {
  phase: Phase;
  foundation: Address;
  /** Unix seconds; 0 where the charter says "not yet". */
  transitionNotBefore: number;
  transitionStartedAt: number;
  guardianExpiresAt: number;
  handoverDueAt: number;
  handoverApproved: boolean;
  /** Whether a phase move is due now (anyone may make it): the lifecycle job makes it. */
  moveDue: 'startTransition' | 'completeHandover' | undefined;
  /** The chain's time, unix seconds. */
  now: number;
  timelock: Address;
  /** Seconds a passed proposal waits in the timelock. */
  timelockDelay: number;
  /** Governance settings as the governor has them now. */
  governor: { address: Address; votingDelayBlocks: number; votingPeriodBlocks: number; proposalThreshold: bigint; quorumPercent: number };
  /** What the treasury (the timelock) holds, per currency, read from the chain. */
  balances: Array<{ currency: Currency; amount: bigint }>;
};

/** The currencies a treasury is shown in: ETH, the payment tokens, and the governance token. */
export function treasuryCurrencies(deps: Pick<TreasuryDeps, 'currencies'>, token: Address): Currency[] {
  const list: Currency[] = [ETH, ...deps.currencies.filter((c) => c.address !== ETH.address)];
  if (!list.some((c) => c.address.toLowerCase() === token.toLowerCase())) list.push({ symbol: 'CVN', address: token, decimals: 18 });
  return list;
}

/**
 * Where the Foundation→DAO handover stands, read from the chain: the charter's phase and deadlines,
 * the guardian's expiry, the governor's settings and the treasury's balances. Anyone may see it.
 */
export async function readDao(deps: Pick<TreasuryDeps, 'chain' | 'currencies'>): Promise<DaoStatus> {
  const { governor, charter, timelock, token } = treasuryContracts(deps);
  const pc = deps.chain.publicClient;
  const c = { address: charter, abi: handoverCharterAbi } as const;
  const g = { address: governor, abi: caravanGovernorAbi } as const;
  const block = await pc.getBlock({ blockTag: 'latest' });
  const blockNumber = block.number;
  const [phase, foundation, notBefore, startedAt, guardianExpiresAt, handoverDueAt, approved, delay, votingDelay, votingPeriod, threshold, quorumPercent] =
    await Promise.all([
      pc.readContract({ ...c, functionName: 'phase', blockNumber }),
      pc.readContract({ ...c, functionName: 'foundation', blockNumber }),
      pc.readContract({ ...c, functionName: 'transitionNotBefore', blockNumber }),
      pc.readContract({ ...c, functionName: 'transitionStartedAt', blockNumber }),
      pc.readContract({ ...c, functionName: 'guardianExpiresAt', blockNumber }),
      pc.readContract({ ...c, functionName: 'handoverDueAt', blockNumber }),
      pc.readContract({ ...c, functionName: 'handoverApproved', blockNumber }),
      pc.readContract({ address: timelock, abi: caravanTimelockAbi, functionName: 'getMinDelay', blockNumber }),
      pc.readContract({ ...g, functionName: 'votingDelay', blockNumber }),
      pc.readContract({ ...g, functionName: 'votingPeriod', blockNumber }),
      pc.readContract({ ...g, functionName: 'proposalThreshold', blockNumber }),
      pc.readContract({ ...g, functionName: 'quorumPercent', blockNumber }),
    ]);
  const currencies = treasuryCurrencies(deps, token);
  const balances = await Promise.all(
    currencies.map(async (currency) => ({
      currency,
      amount:
        currency.address === ETH.address
          ? await pc.getBalance({ address: timelock, blockNumber })
          : await pc.readContract({ address: currency.address, abi: erc20Abi, functionName: 'balanceOf', args: [timelock], blockNumber }),
    })),
  );
  const now = Number(block.timestamp);
  const phaseName = PHASES[Number(phase)] ?? 'FOUNDATION';
  const moveDue =
    phaseName === 'FOUNDATION' && now >= Number(notBefore)
      ? 'startTransition'
      : phaseName === 'TRANSITION' && Number(handoverDueAt) > 0 && now >= Number(handoverDueAt)
        ? 'completeHandover'
        : undefined;
  return {
    phase: phaseName,
    foundation,
    transitionNotBefore: Number(notBefore),
    transitionStartedAt: Number(startedAt),
    guardianExpiresAt: Number(guardianExpiresAt),
    handoverDueAt: Number(handoverDueAt),
    handoverApproved: approved,
    moveDue,
    now,
    timelock,
    timelockDelay: Number(delay),
    governor: {
      address: governor,
      votingDelayBlocks: Number(votingDelay),
      votingPeriodBlocks: Number(votingPeriod),
      proposalThreshold: threshold,
      quorumPercent: Number(quorumPercent),
    },
    balances,
  };
}
