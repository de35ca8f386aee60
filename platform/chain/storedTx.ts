import type { Account } from 'viem';
import type { Db } from '../db/client.ts';
import type { ChainTxVersion, chainTxs } from '../db/schema.ts';
import type { ChainDeps } from './clients.ts';

/** A row of `chain_txs`: one transaction of the write-ahead log. */
export type StoredTx = typeof chainTxs.$inferSelect;

/** The part of a chain connection stored transactions need (no contract addresses: an operator's CLI has none). */
export type TxChain = Pick<ChainDeps, 'chainId' | 'publicClient' | 'walletClient' | 'account' | 'confirmations' | 'txPolicy'>;

/** What the actions on stored transactions need. */
export type TxDeps = { db: Db; chain: TxChain };

/** Every version signed for `tx`, oldest first (rows written before replacements existed have one). */
export function versionsOf(tx: StoredTx): ChainTxVersion[] {
  return tx.history.length ? tx.history : [{ hash: tx.hash, raw: tx.raw, kind: 'call', signedAt: tx.createdAt.toISOString() }];
}

/** The version `hash`/`raw` hold: the latest one while the transaction is pending. */
export function currentVersion(tx: StoredTx): ChainTxVersion {
  const versions = versionsOf(tx);
  return versions.find((v) => v.hash === tx.hash) ?? versions.at(-1)!;
}

/** Whether two addresses are the same account (stored addresses keep their checksum casing). */
export const sameAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The operator signs its own rows; a row of another sender is signed only by the account given for it. */
export function signerOf(chain: TxChain, tx: StoredTx, account?: Account): Account | undefined {
  if (account && sameAddress(account.address, tx.fromAddress)) return account;
  if (sameAddress(chain.account.address, tx.fromAddress)) return chain.account;
  return undefined;
}

