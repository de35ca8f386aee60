import { revenuePoolAbi } from '../../contracts/bindings/index.ts';
import type { ChainDeps } from '../chain/clients.ts';
import { toChainError } from '../chain/toChainError.ts';

/** Basis points in 100 % (`RevenuePool.BPS`). */
export const BPS = 10_000;
/** Most parents one payment credits (`RevenuePool.MAX_ROYALTY_RECIPIENTS`): with more, none is credited. */
export const MAX_ROYALTY_RECIPIENTS = 24;

/** The pool's rates, read from the chain: the platform fee and the share passed on to parents. */
export type RevenueRates = { feeBps: number; royaltyBps: number };

/** What happens to one license payment, in basis points of the payment (fractions kept). */
export type RevenueSplit = {
  /** The platform fee. */
  feeBps: number;
  /** Royalties to the parents (the datasets an assistant was trained on), all of them together. */
  parentsBps: number;
  /** What the asset's own receipt holders (its creator) keep. */
  creatorBps: number;
  /** How many parents share `parentsBps`, equally. */
  parents: number;
};

/** `RevenuePool.feeBps()` and `royaltyBps()`, read now. */
export async function readRevenueRates(deps: { chain: ChainDeps }): Promise<RevenueRates> {
  const address = deps.chain.addresses.revenuePool!;
  try {
    const [fee, royalty] = await Promise.all([
      deps.chain.publicClient.readContract({ address, abi: revenuePoolAbi, functionName: 'feeBps' }),
      deps.chain.publicClient.readContract({ address, abi: revenuePoolAbi, functionName: 'royaltyBps' }),
    ]);
    return { feeBps: Number(fee), royaltyBps: Number(royalty) };
  } catch (cause) {
    throw toChainError(cause, 'RevenuePool.feeBps/royaltyBps');
  }
}

/**
 * How the pool splits a payment for an asset with `parents` direct parents: the fee comes off first,
 * then `royaltyBps` of the rest goes to the parents in equal parts (none when there are no parents, or
 * more than the pool credits in one payment), and the holders keep the remainder. Nominal rates: the
 * pool rounds each part down to whole units.
 *
 * @example
 * splitOf({ feeBps: 500, royaltyBps: 2000 }, 1) // { feeBps: 500, parentsBps: 1900, creatorBps: 7600, parents: 1 }
 */
export function splitOf(rates: RevenueRates, parents: number): RevenueSplit {
  const afterFee = BPS - rates.feeBps;
  const routed = parents > 0 && parents <= MAX_ROYALTY_RECIPIENTS;
  const parentsBps = routed ? (afterFee * rates.royaltyBps) / BPS : 0;
  return { feeBps: rates.feeBps, parentsBps, creatorBps: afterFee - parentsBps, parents: routed ? parents : 0 };
}

/** Basis points as a percentage for people: 500 → "5 %", 1912.5 → "19.13 %". */
export function percentText(bps: number): string {
  return `${(bps / 100).toLocaleString('en-US', { maximumFractionDigits: 2 })} %`;
}
