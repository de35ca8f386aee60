/** Small formatting helpers shared by the messages. */

/** A text progress bar: `▓▓▓▓░░░░░░`. */
export function bar(fraction: number, width = 12): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return '▓'.repeat(full) + '░'.repeat(width - full);
}

/** "14 s", "3 min 20 s". */
export const duration = (sec: number) =>
  !Number.isFinite(sec) ? '…' : sec < 60 ? `${Math.round(sec)} s` : `${Math.floor(sec / 60)} min ${Math.round(sec % 60)} s`;

/** A share as a percentage with two decimals: 990000 of 1000000 → "99.00 %". */
export function percent(part: bigint, total: bigint): string {
  if (total === 0n) return '0.00 %';
  const basisPoints = (part * 1_000_000n) / total; // 1e-4 %
  return `${(Number(basisPoints) / 10_000).toFixed(2)} %`;
}

/** A moment to the minute, in UTC, for people: 1767225600 → "2026-01-01 00:00 UTC". */
export const utcMinute = (unixSeconds: number) => `${new Date(unixSeconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** Votes for people: whole numbers grouped, fractions to 2 places, tiny amounts with 2 significant digits (never a false 0). */
export const voteNumber = (n: number) => (n === 0 ? '0' : Math.abs(n) < 0.01 ? n.toPrecision(2) : n.toLocaleString('en-US', { maximumFractionDigits: 2 }));
