import { formatUnits } from 'viem';
import { voteNumber } from '../../platform/messages/format.ts';

/** On-chain votes (18 decimals, like the token) for people: "428,571.43 votes", "0.00012 votes". */
export const formatVotes = (votes: bigint): string => `${voteNumber(Number(formatUnits(votes, 18)))} votes`;
