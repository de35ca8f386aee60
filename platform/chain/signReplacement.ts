import { formatGwei, keccak256, parseTransaction, type Address, type Account, type Hex } from 'viem';
import type { ChainTxVersion } from '../db/schema.ts';
import { ChainError } from '../errors.ts';
import { bumpFees, type TxFees } from './bumpFees.ts';
import { toChainError } from './toChainError.ts';
import { currentVersion, type StoredTx, type TxChain } from './storedTx.ts';
import type { TxPolicy } from './txPolicy.ts';

export type SignReplacementParameters = {
  tx: StoredTx;
  /** The sender's account (the operator, or a user's custodial key). */
  account: Account;
  /** `call`: the same call again; `cancel`: a 0-value transfer to the sender itself. */
  kind: ChainTxVersion['kind'];
  policy: TxPolicy;
};

/**
 * Signs a replacement for the current version of `tx`: the same nonce, fees raised by
 * {@link bumpFees} (≥ 12.5 % and ≥ the network's suggestion), either the same call or a cancel.
 * Nothing is stored or sent. Throws a retryable `ChainError` when the fee cap leaves no room.
 */
export async function signReplacement(deps: { chain: TxChain }, params: SignReplacementParameters): Promise<ChainTxVersion> {
  const { chain } = deps;
  const { tx, account, kind, policy } = params;
  const parsed = parseTransaction(currentVersion(tx).raw as Hex);
  const legacy = parsed.type === 'legacy' || parsed.type === 'eip2930';
  const current: TxFees = legacy
    ? { gasPrice: parsed.gasPrice ?? 0n }
    : { maxFeePerGas: parsed.maxFeePerGas ?? 0n, maxPriorityFeePerGas: parsed.maxPriorityFeePerGas ?? 0n };
  let suggested: TxFees;
  let gas = parsed.gas;
  try {
    suggested = await chain.publicClient.estimateFeesPerGas({ type: legacy ? 'legacy' : 'eip1559' });
    // A self-transfer costs 21,000 gas on L1; some chains charge more, so ask.
    if (kind === 'cancel') gas = await chain.publicClient.estimateGas({ account: tx.fromAddress as Address, to: tx.fromAddress as Address, value: 0n });
  } catch (cause) {
    throw toChainError(cause, 'fee estimation');
  }
  const fees = bumpFees({ current, suggested, cap: policy.maxFeePerGas });
  if (!fees)
    throw new ChainError(`Transaction ${tx.id} (${tx.key}) is stuck: replacing it would pass the fee cap.`, {
      retryable: true,
      details: `nonce ${tx.nonce} of ${tx.fromAddress}, cap ${formatGwei(policy.maxFeePerGas)} gwei`,
      metaMessages: ['It is tried again later; raise the cap (ChainDeps.txPolicy.maxFeePerGas) to pay more.'],
    });
  const common = { chainId: chain.chainId, nonce: tx.nonce, gas, ...fees, ...(parsed.accessList ? { accessList: parsed.accessList } : {}) };
  const request =
    kind === 'cancel'
      ? { ...common, type: parsed.type, to: tx.fromAddress as Address, value: 0n }
      : { ...common, type: parsed.type, to: parsed.to, data: parsed.data, value: parsed.value ?? 0n };
  const raw = await chain.walletClient.signTransaction({ ...request, account } as never);
  return { hash: keccak256(raw), raw, kind, signedAt: new Date().toISOString() };
}
