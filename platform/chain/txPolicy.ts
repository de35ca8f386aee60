import { parseGwei } from 'viem';

/** How Caravan keeps its transactions from getting stuck. */
export type TxPolicy = {
  /** A transaction not mined this long after it was signed is re-signed at its nonce with higher fees. */
  replaceAfterMs: number;
  /** The highest max fee per gas (or legacy gas price) Caravan signs, in wei; past it, it waits. */
  maxFeePerGas: bigint;
  /** How long one settle waits for a receipt before it gives up (retryably: the job tries again). */
  waitMs: number;
};

/** One minute before a replacement, at most 500 gwei, two minutes per settle. */
export const DEFAULT_TX_POLICY: TxPolicy = { replaceAfterMs: 60_000, maxFeePerGas: parseGwei('500'), waitMs: 120_000 };

/** The policy of a chain connection: its own settings over the defaults. */
export function txPolicyOf(chain: { txPolicy?: Partial<TxPolicy> | undefined }, override: Partial<TxPolicy> = {}): TxPolicy {
  return { ...DEFAULT_TX_POLICY, ...chain.txPolicy, ...override };
}
