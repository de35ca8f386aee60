import type { ChainDeps } from '../chain/clients.ts';
import type { Db, DbOrTx } from '../db/client.ts';
import type { Logger } from '../log.ts';

/** What the indexer needs: the database, the chain (read only) and a logger. */
export type IndexerDeps = {
  db: Db;
  chain: Pick<ChainDeps, 'chainId' | 'publicClient' | 'addresses' | 'confirmations'>;
  log: Logger;
};

/** Decoded event arguments as stored in `chain_events.args`: bigints as decimal strings, addresses checksummed. */
export type EventArgs = Record<string, string | number | boolean>;

/** One decoded log of a Caravan contract, in chain order. */
export type ChainEvent = {
  blockNumber: bigint;
  blockHash: string;
  txHash: string;
  logIndex: number;
  /** Which contract emitted it, by its key in `ChainDeps.addresses` (`revenuePool`, `licenses`…). */
  contract: string;
  name: string;
  args: EventArgs;
};

/** An event as recorded in `chain_events`, with its row id. */
export type StoredEvent = ChainEvent & { id: number };

/** A database handle or an open transaction on it. */
export type Tx = DbOrTx;

/** Orders events by their position on the chain. */
export const byChainOrder = (a: Pick<ChainEvent, 'blockNumber' | 'logIndex'>, b: Pick<ChainEvent, 'blockNumber' | 'logIndex'>) =>
  a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1;
