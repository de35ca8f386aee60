import type { Address } from 'viem';
import type { MoneyDeps } from '../../platform/money/types.ts';

/**
 * What the treasury actions need: the chain (the operator relays signed votes and moves proposals
 * along), the users' keys, the currencies the treasury is shown in, and the per-user limiter for
 * anything that costs the platform gas.
 */
export type TreasuryDeps = MoneyDeps;

/** The charter's phases, by their on-chain number. */
export const PHASES = ['FOUNDATION', 'TRANSITION', 'DAO'] as const;
export type Phase = (typeof PHASES)[number];

/** OpenZeppelin Governor's proposal states, by their on-chain number. */
export const PROPOSAL_STATES = ['Pending', 'Active', 'Canceled', 'Defeated', 'Succeeded', 'Queued', 'Expired', 'Executed'] as const;
export type ProposalState = (typeof PROPOSAL_STATES)[number];

/** GovernorCountingSimple's vote types. */
export const SUPPORT = { against: 0, for: 1, abstain: 2 } as const;
export type Support = keyof typeof SUPPORT;

/** A treasury proposal as the indexer recorded it (`ProposalCreated`) and the governor reports it now. */
export type TreasuryProposal = {
  id: bigint;
  proposer: Address;
  targets: Address[];
  values: bigint[];
  calldatas: `0x${string}`[];
  description: string;
  /** Its title: the description's first line, without a leading "# ". */
  title: string;
  /** Blocks: voting opens after `voteStart` and closes at `voteEnd`. */
  voteStart: bigint;
  voteEnd: bigint;
  state: ProposalState;
  votes: { for: bigint; against: bigint; abstain: bigint };
  /** Votes needed (for + abstain) at the proposal's snapshot. */
  quorum: bigint;
  /** Unix seconds after which a queued proposal can be executed; 0 when not queued. */
  eta: number;
  /** What the proposal does, for people: "send 5 USDC to 0x…". */
  actions: string[];
};
