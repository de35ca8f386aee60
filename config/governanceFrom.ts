import { parseEther } from 'viem';
import type { CaravanGovernanceConfig } from '../contracts/script/deploy.ts';
import type { Config } from './loadConfig.ts';

/**
 * The governance settings to deploy with, from the GOV_* settings: those set, over `defaultGovernanceConfig`'s dev
 * defaults for the rest (production sets them all: `loadConfig` refuses to start otherwise).
 *
 * @example
 * governanceFrom(loadConfig({ GOV_VOTING_PERIOD: '50400', GOV_TIMELOCK_DELAY: '2d' }))
 * // → { votingPeriod: 50400, timelockDelay: 172800n, receiptVoteBps: 3000 }
 */
export function governanceFrom(config: Config): Partial<CaravanGovernanceConfig> {
  return {
    ...(config.GOV_VOTING_DELAY !== undefined ? { votingDelay: config.GOV_VOTING_DELAY } : {}),
    ...(config.GOV_VOTING_PERIOD !== undefined ? { votingPeriod: config.GOV_VOTING_PERIOD } : {}),
    ...(config.GOV_PROPOSAL_THRESHOLD !== undefined ? { proposalThreshold: parseEther(config.GOV_PROPOSAL_THRESHOLD) } : {}),
    ...(config.GOV_QUORUM_PERCENT !== undefined ? { quorumPercent: config.GOV_QUORUM_PERCENT } : {}),
    // The setting is a duration in milliseconds; the timelock counts seconds.
    ...(config.GOV_TIMELOCK_DELAY !== undefined ? { timelockDelay: BigInt(Math.floor(config.GOV_TIMELOCK_DELAY / 1000)) } : {}),
    receiptVoteBps: config.GOV_RECEIPT_VOTE_BPS,
  };
}
