import fs from 'node:fs';
import path from 'node:path';
import { formatGwei, parseTransaction, type Account, type Hex } from 'viem';
import type { Config } from '../config/loadConfig.ts';
import { confirmationsFor } from '../config/confirmationsFor.ts';
import { ANVIL_DEV_KEY, connectChain } from '../platform/chain/clients.ts';
import { cancelTx } from '../platform/chain/cancelTx.ts';
import { findTransaction } from '../platform/chain/findTransaction.ts';
import { listTransactions } from '../platform/chain/listTransactions.ts';
import { settleTx, type SettleTxReturnType } from '../platform/chain/settleTx.ts';
import { signerForAddress } from '../platform/chain/signerForAddress.ts';
import { signerOf, type StoredTx, type TxDeps } from '../platform/chain/storedTx.ts';
import { loadMasterKey } from '../platform/crypto/masterKey.ts';
import { createDatabase, migrateDatabase, type Database } from '../platform/db/client.ts';
import { ConfigError, InputError, NotFoundError, ServiceError } from '../platform/errors.ts';

export const TX_USAGE = `caravan tx list [--status sent|mined|reverted|cancelled|dropped] [--limit N]
       caravan tx retry <id>     send a pending transaction again now, re-signed with higher fees, and wait for it
       caravan tx cancel <id>    replace a pending transaction by an empty transfer to its sender at its nonce
                                 (higher fees), so the nonce is used and nothing after it waits; wait for it
  (DATABASE_URL and RPC_URL, or the running dev stack's)
`;

const STATUSES = ['sent', 'mined', 'reverted', 'cancelled', 'dropped'] as const;

/** Reads `list`'s flags, or says what is wrong with them. */
export function parseListFlags(args: string[]): { status?: StoredTx['status']; limit: number } {
  const flags: { status?: StoredTx['status']; limit: number } = { limit: 50 };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (flag === '--status' && (STATUSES as readonly string[]).includes(value ?? '')) flags.status = value as StoredTx['status'];
    else if (flag === '--limit' && /^[1-9]\d{0,3}$/.test(value ?? '')) flags.limit = Number(value);
    else throw new InputError(`Unexpected “${[flag, value].filter(Boolean).join(' ')}”.`, { metaMessages: [TX_USAGE] });
  }
  return flags;
}

/** Reads a transaction id (the first column of `caravan tx list`). */
export function parseTxId(text: string | undefined): number {
  if (!/^[1-9]\d{0,9}$/.test(text ?? '')) throw new InputError(`Expected a transaction id like 12 (got “${text ?? ''}”).`, { metaMessages: [TX_USAGE] });
  return Number(text);
}

/** One line per transaction: what an operator needs to pick one. */
export function describeTx(tx: StoredTx): string {
  const parsed = parseTransaction(tx.raw as Hex);
  const fee = parsed.maxFeePerGas ?? parsed.gasPrice;
  const versions = tx.history.length > 1 ? `, ${tx.history.length} versions` : '';
  return `${String(tx.id).padStart(5)}  ${tx.status.padEnd(9)}  chain ${tx.chainId} nonce ${tx.nonce} from ${tx.fromAddress}  ${tx.key}  ${tx.hash}  (${fee === undefined ? '?' : formatGwei(fee)} gwei${versions}, ${tx.createdAt.toISOString().slice(0, 19)}Z)`;
}

function describeOutcome(settled: SettleTxReturnType): string {
  const { tx } = settled;
  switch (settled.status) {
    case 'mined':
      return `Transaction ${tx.id} (${tx.key}) was mined in block ${settled.receipt.blockNumber}: ${tx.hash}.`;
    case 'reverted':
      return `Transaction ${tx.id} (${tx.key}) was mined in block ${settled.receipt.blockNumber} but reverted: ${tx.hash}.`;
    case 'cancelled':
      return `Transaction ${tx.id} (${tx.key}) is cancelled: an empty transfer took nonce ${tx.nonce} in block ${settled.receipt.blockNumber} (${tx.hash}).`;
    case 'dropped':
      return `Transaction ${tx.id} (${tx.key}) was dropped: nonce ${tx.nonce} went to a transaction Caravan has no record of.`;
  }
}

/** The database the command talks to: DATABASE_URL, or the dev stack's embedded PostgreSQL. */
const databaseUrlOf = (config: Config) => config.DATABASE_URL ?? `postgres://postgres:caravan@127.0.0.1:${config.EMBEDDED_PG_PORT}/caravan`;

async function openDatabase(config: Config): Promise<Database> {
  const database = createDatabase(databaseUrlOf(config), { max: 2 });
  try {
    await migrateDatabase(database.db);
    return database;
  } catch (cause) {
    await database.close();
    if (config.DATABASE_URL) throw cause;
    throw new ServiceError('The dev stack’s database does not answer.', {
      cause,
      metaMessages: ['Start the stack first (npm start) in another terminal, or set DATABASE_URL.'],
    });
  }
}

/** The chain at RPC_URL (or the dev stack's anvil), with the operator's key and the configured confirmations. */
async function openChain(config: Config): Promise<TxDeps['chain']> {
  const key = config.OPERATOR_PRIVATE_KEY ?? (config.RPC_URL ? undefined : ANVIL_DEV_KEY);
  if (!key) throw new ConfigError('OPERATOR_PRIVATE_KEY: required when RPC_URL is set.');
  const connected = await connectChain({
    rpcUrl: config.RPC_URL ?? `http://127.0.0.1:${config.ANVIL_PORT}`,
    operatorKey: (key.startsWith('0x') ? key : `0x${key}`) as `0x${string}`,
  });
  return { ...connected, confirmations: confirmationsFor(config, connected.chainId) };
}

/** The operator signs its own transactions; a user's custodial key is opened with the master key. */
async function signerFor(config: Config, deps: TxDeps, tx: StoredTx): Promise<Account> {
  const own = signerOf(deps.chain, tx);
  if (own) return own;
  if (!config.MASTER_KEY && !fs.existsSync(path.join(config.home, 'master.key')))
    throw new ConfigError(`Transaction ${tx.id} was signed by ${tx.fromAddress}, a custodial account, and no master key is at hand.`, {
      metaMessages: ['Run this from the directory the stack runs in (or set CARAVAN_HOME), or set MASTER_KEY.'],
    });
  const masterKey = loadMasterKey({ masterKeyHex: config.MASTER_KEY, home: config.home });
  const account = await signerForAddress({ db: deps.db, masterKey }, tx.fromAddress);
  if (!account) throw new NotFoundError(`No key for ${tx.fromAddress}, the sender of transaction ${tx.id}.`);
  return account;
}

/**
 * `caravan tx list|retry|cancel`: the operator's view of the transaction log (`chain_txs`) and
 * the two ways to move a stuck transaction by hand. Prints one line per outcome.
 */
export async function txCommand(config: Config, args: string[], out: (line: string) => void): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'list' && sub !== 'retry' && sub !== 'cancel') throw new InputError(`Unknown subcommand “${sub ?? ''}”.`, { metaMessages: [TX_USAGE] });
  const flags = sub === 'list' ? parseListFlags(rest) : undefined;
  const id = sub === 'list' ? undefined : parseTxId(rest[0]);
  if (sub !== 'list' && rest.length > 1) throw new InputError(`Unexpected “${rest.slice(1).join(' ')}”.`, { metaMessages: [TX_USAGE] });
  const database = await openDatabase(config);
  try {
    if (flags) {
      const rows = await listTransactions(database, flags);
      if (!rows.length) out(flags.status ? `No ${flags.status} transactions.` : 'No transactions.');
      for (const tx of rows) out(describeTx(tx));
      return;
    }
    const tx = await findTransaction(database, id!);
    if (!tx) throw new NotFoundError(`No transaction ${id}.`);
    if (tx.status !== 'sent') throw new InputError(`Transaction ${tx.id} is ${tx.status}: only a pending (sent) one can be retried or cancelled.`);
    const deps: TxDeps = { db: database.db, chain: await openChain(config) };
    if (tx.chainId !== deps.chain.chainId) throw new ConfigError(`Transaction ${tx.id} is on chain ${tx.chainId}; the RPC serves chain ${deps.chain.chainId}.`);
    const account = await signerFor(config, deps, tx);
    if (sub === 'cancel') {
      const { tx: cancelling } = await cancelTx(deps, { tx, account });
      out(`Transaction ${tx.id} (${tx.key}): an empty transfer at nonce ${tx.nonce} was sent (${cancelling.hash}); waiting for the chain…`);
      out(describeOutcome(await settleTx(deps, { tx: cancelling, account })));
      return;
    }
    out(`Transaction ${tx.id} (${tx.key}): sending it again with higher fees; waiting for the chain…`);
    out(describeOutcome(await settleTx(deps, { tx, account, replaceNow: true })));
  } finally {
    await database.close();
  }
}
