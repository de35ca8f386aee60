import { getAddress, parseEventLogs } from 'viem';
import { toChainError } from '../chain/toChainError.ts';
import { ChainError } from '../errors.ts';
import { indexedContracts, indexedEventsAbi } from './indexedContracts.ts';
import { readBlock } from './readBlock.ts';
import { byChainOrder, type ChainEvent, type EventArgs, type IndexerDeps } from './types.ts';

export type ReadBlockRangeParameters = {
  from: bigint;
  to: bigint;
  /** Hash block `from − 1` must have as the parent of `from` (the cursor's): checks the range continues it. */
  parentHash?: string | undefined;
};

export type ReadBlockRangeReturnType = {
  /** Events of the indexed contracts in the range, in chain order. */
  events: ChainEvent[];
  /** Hashes of the blocks that have events, and of `to`. */
  blockHashes: Map<bigint, string>;
};

/** Blocks read at once when checking hashes. */
const READ_CONCURRENCY = 16;

/**
 * Reads the events of Caravan's contracts in blocks `from`…`to` (one `eth_getLogs`, decoded against
 * the combined ABIs) and the hashes of the blocks they are in and of `to`. Every log must come from
 * the block the chain has now at its height, and `from` must follow `parentHash`: otherwise the chain
 * reorganised while it was read, and a retryable ChainError says so (the next pass finds the fork).
 */
export async function readBlockRange(deps: Pick<IndexerDeps, 'chain'>, params: ReadBlockRangeParameters): Promise<ReadBlockRangeReturnType> {
  const { chain } = deps;
  const { addresses, nameOf } = indexedContracts(chain);
  let logs;
  try {
    logs = await chain.publicClient.getLogs({ address: addresses, fromBlock: params.from, toBlock: params.to });
  } catch (cause) {
    throw toChainError(cause, `eth_getLogs(${params.from}…${params.to})`);
  }
  const events: ChainEvent[] = parseEventLogs({ abi: indexedEventsAbi, logs })
    .filter((log) => !log.removed)
    .map((log) => ({
      blockNumber: log.blockNumber,
      blockHash: log.blockHash,
      txHash: log.transactionHash,
      logIndex: log.logIndex,
      contract: nameOf.get(getAddress(log.address)) ?? getAddress(log.address),
      name: log.eventName,
      args: toStoredArgs(log.args as Record<string, unknown>),
    }))
    .sort(byChainOrder);

  const wanted = [...new Set([...events.map((e) => e.blockNumber), params.to, ...(params.parentHash ? [params.from] : [])])];
  const blocks = new Map<bigint, { hash: string; parentHash: string }>();
  for (let i = 0; i < wanted.length; i += READ_CONCURRENCY) {
    const headers = await Promise.all(wanted.slice(i, i + READ_CONCURRENCY).map((n) => readBlock(chain, n)));
    for (const [j, header] of headers.entries()) {
      if (!header) throw reorgedWhileReading(params, `block ${wanted[i + j]} is gone`);
      blocks.set(header.number, header);
    }
  }
  if (params.parentHash && blocks.get(params.from)!.parentHash !== params.parentHash)
    throw reorgedWhileReading(params, `block ${params.from} no longer follows the last indexed block`);
  for (const e of events)
    if (blocks.get(e.blockNumber)!.hash !== e.blockHash) throw reorgedWhileReading(params, `block ${e.blockNumber} was replaced`);

  const blockHashes = new Map<bigint, string>();
  for (const n of [...events.map((e) => e.blockNumber), params.to]) blockHashes.set(n, blocks.get(n)!.hash);
  return { events, blockHashes };
}

const reorgedWhileReading = (params: ReadBlockRangeParameters, what: string) =>
  new ChainError(`The chain reorganised while blocks ${params.from}…${params.to} were read: ${what}.`, {
    retryable: true,
    metaMessages: ['The next pass finds the fork and indexes the new blocks.'],
  });

/** Decoded arguments in the shape `chain_events.args` stores: bigints as decimal strings, addresses checksummed. */
export function toStoredArgs(args: Record<string, unknown>): EventArgs {
  const stored: EventArgs = {};
  for (const [key, value] of Object.entries(args)) {
    if (typeof value === 'bigint') stored[key] = value.toString();
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') stored[key] = value;
    else stored[key] = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  }
  return stored;
}
