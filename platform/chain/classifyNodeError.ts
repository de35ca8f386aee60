import {
  BaseError as ViemBaseError,
  ExecutionRevertedError,
  FeeCapTooHighError,
  FeeCapTooLowError,
  HttpRequestError,
  InsufficientFundsError,
  IntrinsicGasTooHighError,
  IntrinsicGasTooLowError,
  InvalidInputRpcError,
  InvalidParamsRpcError,
  LimitExceededRpcError,
  NonceMaxValueError,
  NonceTooHighError,
  NonceTooLowError,
  RpcRequestError,
  SocketClosedError,
  TimeoutError,
  TipAboveFeeCapError,
  TransactionRejectedRpcError,
  TransactionTypeNotSupportedError,
  WebSocketRequestError,
} from 'viem';
import { getNodeError } from 'viem/utils';

/**
 * What a node's refusal of a transaction means for the one who sent it.
 *
 * - `alreadyKnown`: this very transaction is in the node's pool already. Wait for it.
 * - `nonceTooLow`: a transaction at this nonce has been mined (ours or another). Look for receipts.
 * - `nonceTooHigh`: a lower nonce of the sender is missing (a gap). Fill it first.
 * - `underpriced`: the pool holds a transaction at this nonce with higher fees, or the fees are
 *   under the pool's minimum. Replace with higher fees.
 * - `feeTooLow`: the max fee is under the block's base fee. Replace with higher fees.
 * - `insufficientFunds`: the sender cannot pay gas × fee + value. Fund it, then retry.
 * - `invalid`: the signed bytes can never be accepted (intrinsic gas, type, fee fields, encoding).
 * - `reverted`: the node ran the call and it reverted.
 * - `transport`: the node did not answer; whether it took the transaction is unknown. Retry.
 * - `unknown`: anything else. Retry, and look at the cause.
 */
export type NodeErrorKind =
  | 'alreadyKnown'
  | 'nonceTooLow'
  | 'nonceTooHigh'
  | 'underpriced'
  | 'feeTooLow'
  | 'insufficientFunds'
  | 'invalid'
  | 'reverted'
  | 'transport'
  | 'unknown';

/**
 * The node messages that have neither an RPC error code of their own nor a viem error class.
 * They are compared whole (lower-cased, trimmed), optionally followed by `: <details>`, never
 * searched for as substrings ("unknown account" is not "already known").
 *
 * - "already known" (geth, reth) and "transaction already imported" (anvil): viem files both
 *   under `NonceTooLowError`, but they mean the transaction is pending, not that its nonce is used.
 * - "replacement transaction underpriced" (geth `txpool.ErrReplaceUnderpriced`, anvil, reth) and
 *   "transaction underpriced" (geth `txpool.ErrUnderpriced`).
 */
export const NODE_PHRASES = {
  alreadyKnown: ['already known', 'transaction already imported'],
  underpriced: ['replacement transaction underpriced', 'transaction underpriced'],
} as const satisfies Partial<Record<NodeErrorKind, readonly string[]>>;

const says = (details: string, phrases: readonly string[]) => {
  const message = details.trim().toLowerCase();
  return phrases.some((p) => message === p || message.startsWith(`${p}:`));
};

/** The RPC errors a node uses to refuse a transaction (-32000, -32003, and 3 for a revert). */
const isRejection = (e: unknown) =>
  e instanceof TransactionRejectedRpcError ||
  e instanceof InvalidInputRpcError ||
  (e instanceof RpcRequestError && (e.code === TransactionRejectedRpcError.code || e.code === InvalidInputRpcError.code || e.code === ExecutionRevertedError.code));

/**
 * Sorts an error thrown by `sendRawTransaction` (or a wallet action) by what the sender should do,
 * using viem's error classes and JSON-RPC error codes; {@link NODE_PHRASES} only where neither says.
 *
 * @example
 * try { await publicClient.sendRawTransaction({ serializedTransaction }) }
 * catch (err) { if (classifyNodeError(err) === 'underpriced') … }
 */
export function classifyNodeError(err: unknown): NodeErrorKind {
  if (!(err instanceof ViemBaseError)) return 'unknown';
  const rejection = err.walk(isRejection) as ViemBaseError | null;
  if (!rejection) {
    if (err.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError || e instanceof WebSocketRequestError || e instanceof SocketClosedError))
      return 'transport';
    if (err.walk((e) => e instanceof LimitExceededRpcError)) return 'transport';
    // -32602: the node could not even decode the bytes.
    if (err.walk((e) => e instanceof InvalidParamsRpcError)) return 'invalid';
    return 'unknown';
  }
  const details = rejection.details ?? '';
  if (says(details, NODE_PHRASES.alreadyKnown)) return 'alreadyKnown';
  if (says(details, NODE_PHRASES.underpriced)) return 'underpriced';
  // viem keeps the node messages of these classes up to date across clients.
  const node = getNodeError(rejection, {});
  if (node instanceof NonceTooLowError) return 'nonceTooLow';
  if (node instanceof NonceTooHighError) return 'nonceTooHigh';
  if (node instanceof FeeCapTooLowError) return 'feeTooLow';
  if (node instanceof InsufficientFundsError) return 'insufficientFunds';
  if (node instanceof ExecutionRevertedError) return 'reverted';
  if (
    node instanceof IntrinsicGasTooLowError ||
    node instanceof IntrinsicGasTooHighError ||
    node instanceof TipAboveFeeCapError ||
    node instanceof FeeCapTooHighError ||
    node instanceof NonceMaxValueError ||
    node instanceof TransactionTypeNotSupportedError
  )
    return 'invalid';
  return 'unknown';
}
