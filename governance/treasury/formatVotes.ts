import { zeroAddress } from 'viem';
import { formatAmount } from '../../platform/money/currencies.ts';

/** On-chain votes (18 decimals, like the token) for people: "1,250.5 votes". */
export const formatVotes = (votes: bigint) => formatAmount(votes, { symbol: 'votes', address: zeroAddress, decimals: 18 });
