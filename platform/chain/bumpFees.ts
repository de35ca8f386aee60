/** The fee fields of a transaction: EIP-1559, or a legacy gas price. */
export type TxFees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { gasPrice: bigint };

export type BumpFeesParameters = {
  /** The fees of the transaction being replaced. */
  current: TxFees;
  /** What the network suggests now (`estimateFeesPerGas`), of the same kind as `current`. */
  suggested: TxFees;
  /** The highest max fee (or gas price) that may be signed, in wei. */
  cap: bigint;
};

/** Nodes take a replacement only with both fees ≥ 10 % higher (geth); 12.5 % clears that, rounded up. */
const bump = (wei: bigint) => wei + (wei + 7n) / 8n + (wei === 0n ? 1n : 0n);

/**
 * Fees for a replacement of a transaction at the same nonce: each fee at least 12.5 % above the
 * old one and at least what the network suggests now, the max fee never above `cap`. Returns
 * `undefined` when no fee under the cap is high enough to replace the old transaction.
 *
 * @example
 * bumpFees({ current: { gasPrice: 8n }, suggested: { gasPrice: 5n }, cap: 100n }) // { gasPrice: 9n }
 */
export function bumpFees(params: BumpFeesParameters): TxFees | undefined {
  const { current, suggested, cap } = params;
  const min = (a: bigint, b: bigint) => (a < b ? a : b);
  const max = (...v: bigint[]) => v.reduce((a, b) => (a > b ? a : b));
  // The network's wish is trimmed to the cap; the bump itself must fit under it.
  if ('gasPrice' in current) {
    const gasPrice = max(bump(current.gasPrice), min('gasPrice' in suggested ? suggested.gasPrice : 0n, cap));
    return gasPrice > cap ? undefined : { gasPrice };
  }
  const maxPriorityFeePerGas = max(
    bump(current.maxPriorityFeePerGas),
    min('maxPriorityFeePerGas' in suggested ? suggested.maxPriorityFeePerGas : 0n, cap),
  );
  const maxFeePerGas = max(
    bump(current.maxFeePerGas),
    min('maxFeePerGas' in suggested ? suggested.maxFeePerGas : 0n, cap),
    maxPriorityFeePerGas,
  );
  return maxFeePerGas > cap ? undefined : { maxFeePerGas, maxPriorityFeePerGas };
}
