import { parseGwei, type Hex } from 'viem';
import { deployCaravan } from '../../contracts/script/deploy.ts';
import { ANVIL_DEV_KEY, connectChain, type ChainDeps } from '../../platform/chain/clients.ts';
import type { TxPolicy } from '../../platform/chain/txPolicy.ts';
import { createDatabase, migrateDatabase, type Database } from '../../platform/db/client.ts';
import { startAnvil, type AnvilHandle } from '../../platform/infra/anvil.ts';
import { startWatchdog } from '../../platform/infra/watchdog.ts';
import { createTestDatabase } from './testRuntime.ts';

export type PrivateChainPlatform = {
  database: Database;
  /** The database's URL, for child processes (the CLI). */
  databaseUrl: string;
  chain: ChainDeps;
  anvil: AnvilHandle;
  /** Calls an anvil/EVM method (evm_mine, anvil_setNextBlockBaseFeePerGas…). */
  rpc(method: string, params?: unknown[]): Promise<unknown>;
  /** Turns automine on or off. */
  automine(on: boolean): Promise<void>;
  /** Mines one block; with `baseFeeGwei`, the block's base fee is that. */
  mine(baseFeeGwei?: string): Promise<void>;
  close(): Promise<void>;
};

/**
 * A chain of its own (anvil under a watchdog, Caravan deployed, the dev key as operator) and a
 * migrated database, for tests that stop mining or move the base fee: things the shared anvil of
 * the other test files must never see.
 */
export async function createPrivateChainPlatform(txPolicy: Partial<TxPolicy> = {}): Promise<PrivateChainPlatform> {
  const watchdog = startWatchdog();
  const anvil = await startAnvil({ watchdog });
  const created = await createTestDatabase();
  const database = createDatabase(created.url);
  await migrateDatabase(database.db);
  const connected = await connectChain({ rpcUrl: anvil.rpcUrl, operatorKey: ANVIL_DEV_KEY });
  const { addresses } = await deployCaravan({ walletClient: connected.walletClient, publicClient: connected.publicClient });
  const chain: ChainDeps = { ...connected, addresses, confirmations: 0, txPolicy };
  const rpc = (method: string, params: unknown[] = []) => connected.publicClient.request({ method: method as never, params: params as never });
  return {
    database,
    databaseUrl: created.url,
    chain,
    anvil,
    rpc,
    automine: async (on) => void (await rpc('evm_setAutomine', [on])),
    async mine(baseFeeGwei) {
      if (baseFeeGwei) await rpc('anvil_setNextBlockBaseFeePerGas', [`0x${parseGwei(baseFeeGwei).toString(16)}` as Hex]);
      await rpc('evm_mine');
    },
    async close() {
      await database.close();
      await created.drop();
      await anvil.stop();
      await watchdog.close();
    },
  };
}
