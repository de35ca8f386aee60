import type { Hex } from 'viem';
import { classifyNodeError, type NodeErrorKind } from './classifyNodeError.ts';
import type { StoredTx, TxChain } from './storedTx.ts';

export type BroadcastTxReturnType = { outcome: 'accepted' } | { outcome: NodeErrorKind; error: unknown };

/**
 * Sends the stored signed bytes of `tx` (its current version) to the node and says how the node
 * answered. A refusal is returned, classified, not thrown: what to do about it is the caller's call.
 */
export async function broadcastTx(deps: { chain: TxChain }, params: { tx: StoredTx }): Promise<BroadcastTxReturnType> {
  try {
    await deps.chain.publicClient.sendRawTransaction({ serializedTransaction: params.tx.raw as Hex });
    return { outcome: 'accepted' };
  } catch (error) {
    return { outcome: classifyNodeError(error), error };
  }
}
