import { formatUnits } from 'viem';

/**
 * On-chain votes (18 decimals, like the token) for people: whole votes grouped, two decimals at most,
 * tiny amounts with two significant digits (never a false 0): "428,571.43 votes", "0.00012 votes".
 */
export function formatVotes(votes: bigint): string {
  const n = Number(formatUnits(votes, 18));
  const text = n === 0 ? '0' : Math.abs(n) < 0.01 ? n.toPrecision(2) : n.toLocaleString('en-US', { maximumFractionDigits: 2 });
  return `${text} votes`;
}
