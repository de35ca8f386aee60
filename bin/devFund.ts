import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { formatEther, getAddress, isAddress, parseEther, type Address } from 'viem';
import { caravanTokenAbi } from '../contracts/bindings/index.ts';
import type { Config } from '../config/loadConfig.ts';
import { ANVIL_DEV_KEY, connectChain, type ChainDeps, type ContractAddresses } from '../platform/chain/clients.ts';
import { DEV_CHAIN_ID } from '../platform/chain/ensureDeployment.ts';
import { sendOnce, sendValueOnce } from '../platform/chain/sendOnce.ts';
import { signerForAddress } from '../platform/chain/signerForAddress.ts';
import { loadMasterKey } from '../platform/crypto/masterKey.ts';
import { createDatabase, migrateDatabase, type Database } from '../platform/db/client.ts';
import { deployments } from '../platform/db/schema.ts';
import { ConfigError, InputError, ServiceError } from '../platform/errors.ts';

export const DEV_FUND_USAGE = `caravan dev fund <address> [--eth N] [--votes N]
                      the dev chain only: send <address> N test ETH (default 1) and N governance tokens, CVN
                      (default 1000), from the operator; a custodial address is also delegated to itself
  (the running dev stack's chain and database, or RPC_URL and DATABASE_URL of another dev chain)
`;

/** What `caravan dev fund` sends. */
export type DevFundRequest = { to: Address; ethWei: bigint; votesWei: bigint };

const amount = (flag: string, text: string | undefined): bigint => {
  if (!/^\d+(\.\d{1,18})?$/.test(text ?? '')) throw new InputError(`${flag} expects an amount like 10 or 0.5 (got “${text ?? ''}”).`, { metaMessages: [DEV_FUND_USAGE] });
  return parseEther(text!);
};

/** Reads `fund`'s arguments, or says what is wrong with them. */
export function parseDevFundArgs(args: string[]): DevFundRequest {
  const [to, ...flags] = args;
  if (!to || !isAddress(to, { strict: false })) throw new InputError(`Expected an address like 0x… (got “${to ?? ''}”).`, { metaMessages: [DEV_FUND_USAGE] });
  const request: DevFundRequest = { to: getAddress(to), ethWei: parseEther('1'), votesWei: parseEther('1000') };
  for (let i = 0; i < flags.length; i += 2) {
    const [flag, value] = [flags[i]!, flags[i + 1]];
    if (flag === '--eth') request.ethWei = amount(flag, value);
    else if (flag === '--votes') request.votesWei = amount(flag, value);
    else throw new InputError(`Unexpected “${flag}”.`, { metaMessages: [DEV_FUND_USAGE] });
  }
  if (request.ethWei === 0n && request.votesWei === 0n) throw new InputError('Nothing to send: --eth and --votes are both 0.');
  return request;
}

/** Refuses every chain but the dev chain: test ETH and tokens exist only there. */
export function assertDevChain(chainId: number, command = 'caravan dev fund'): void {
  if (chainId !== DEV_CHAIN_ID)
    throw new ConfigError(`${command} runs on the dev chain (${DEV_CHAIN_ID}) only; RPC_URL serves chain ${chainId}.`, {
      metaMessages: ['On a real chain, governance tokens move by a treasury vote or from a holder’s own wallet.'],
    });
}

async function openDatabase(config: Config): Promise<Database> {
  const database = createDatabase(config.DATABASE_URL ?? `postgres://postgres:caravan@127.0.0.1:${config.EMBEDDED_PG_PORT}/caravan`, { max: 2 });
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

async function contractAddresses(config: Config, database: Database, chainId: number): Promise<ContractAddresses> {
  if (config.CONTRACT_ADDRESSES) return JSON.parse(config.CONTRACT_ADDRESSES) as ContractAddresses;
  const [row] = await database.db.select().from(deployments).where(eq(deployments.chainId, chainId));
  const addresses = row?.addresses as ContractAddresses | undefined;
  if (!addresses?.token) throw new ConfigError(`No Caravan governance token is known on chain ${chainId}.`, { metaMessages: ['Start the dev stack once (npm start): it deploys the contracts.'] });
  return addresses;
}

/**
 * `caravan dev fund <address> [--eth N] [--votes N]`: on the dev chain only, the operator sends test ETH and
 * governance tokens (CVN) to any address. Token votes count once delegated: a custodial address is delegated to
 * itself here; any other holder delegates from their own wallet (`delegate(self)` on the token). Prints one line
 * per step.
 */
export async function devCommand(config: Config, args: string[], out: (line: string) => void): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'mine') {
    const { devMine } = await import('./devMine.ts');
    return devMine(config, rest, out);
  }
  if (sub !== 'fund') throw new InputError(`Unknown subcommand “${sub ?? ''}”.`, { metaMessages: [DEV_FUND_USAGE] });
  const request = parseDevFundArgs(rest);
  const key = config.OPERATOR_PRIVATE_KEY ?? (config.RPC_URL ? undefined : ANVIL_DEV_KEY);
  if (!key) throw new ConfigError('OPERATOR_PRIVATE_KEY: required when RPC_URL is set.');
  const connected = await connectChain({
    rpcUrl: config.RPC_URL ?? `http://127.0.0.1:${config.ANVIL_PORT}`,
    operatorKey: (key.startsWith('0x') ? key : `0x${key}`) as `0x${string}`,
  });
  assertDevChain(connected.chainId);
  const database = await openDatabase(config);
  try {
    const addresses = await contractAddresses(config, database, connected.chainId);
    const token = getAddress(addresses.token!);
    const chain: ChainDeps = { ...connected, addresses, confirmations: 0 };
    const deps = { db: database.db, chain };
    const id = randomUUID();
    if (request.ethWei > 0n) {
      const receipt = await sendValueOnce(deps, { key: `dev-fund:${id}:eth`, to: request.to, value: request.ethWei });
      out(`Sent ${formatEther(request.ethWei)} ETH to ${request.to} (${receipt.transactionHash}).`);
    }
    if (request.votesWei === 0n) return;
    const receipt = await sendOnce(deps, {
      key: `dev-fund:${id}:cvn`,
      address: token,
      abi: caravanTokenAbi,
      functionName: 'transfer',
      args: [request.to, request.votesWei],
    });
    out(`Sent ${formatEther(request.votesWei)} CVN to ${request.to} (${receipt.transactionHash}).`);

    const delegate = await connected.publicClient.readContract({ address: token, abi: caravanTokenAbi, functionName: 'delegates', args: [request.to] });
    if (delegate !== '0x0000000000000000000000000000000000000000') {
      out(`Its votes count already: ${request.to} delegates to ${delegate}.`);
      return;
    }
    // Custodial keys open with the master key: the stack's own (never a new one made here), or MASTER_KEY.
    const masterKeyAtHand = Boolean(config.MASTER_KEY) || fs.existsSync(path.join(config.home, 'master.key'));
    const custodial = masterKeyAtHand
      ? await signerForAddress({ db: database.db, masterKey: loadMasterKey({ masterKeyHex: config.MASTER_KEY, home: config.home }) }, request.to)
      : undefined;
    if (!custodial) {
      out(`Its votes count once delegated: the holder calls delegate(${request.to}) on the token ${token} from that wallet.`);
      if (!masterKeyAtHand) out('(Custodial addresses are delegated here when run from the stack’s directory, or with MASTER_KEY.)');
      return;
    }
    // A custodial holder cannot delegate by hand: do it with its key (gas from the ETH above, or a top-up).
    const gasWei = parseEther('0.01');
    if ((await connected.publicClient.getBalance({ address: request.to })) < gasWei)
      await sendValueOnce(deps, { key: `dev-fund:${id}:gas`, to: request.to, value: gasWei });
    const delegated = await sendOnce(deps, {
      key: `dev-fund:${id}:delegate`,
      account: custodial,
      address: token,
      abi: caravanTokenAbi,
      functionName: 'delegate',
      args: [request.to],
    });
    out(`Delegated the votes of custodial ${request.to} to itself (${delegated.transactionHash}).`);
  } finally {
    await database.close();
  }
}
