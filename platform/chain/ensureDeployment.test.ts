import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { getAddress } from 'viem';
import { caravanGovernorAbi, caravanTimelockAbi, handoverCharterAbi } from '../../contracts/bindings/index.ts';
import { inject } from 'vitest';
import { createTestDatabase, fundedOperatorKey } from '../../test/helpers/testRuntime.ts';
import { createDatabase, migrateDatabase, type Database } from '../db/client.ts';
import { deployments } from '../db/schema.ts';
import { ConfigError } from '../errors.ts';
import { connectChain } from './clients.ts';
import { CARAVAN_CONTRACTS, ensureDeployment } from './ensureDeployment.ts';

describe('ensureDeployment', () => {
  let database: Database;
  let drop: () => Promise<void>;
  let chain: Awaited<ReturnType<typeof connectChain>>;
  const lines: string[] = [];
  const log = pino({ level: 'info' }, new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) }));

  beforeAll(async () => {
    const created = await createTestDatabase();
    drop = created.drop;
    database = createDatabase(created.url);
    await migrateDatabase(database.db);
    chain = await connectChain({ rpcUrl: inject('services').rpcUrl, operatorKey: await fundedOperatorKey() });
  });
  afterAll(async () => {
    await database?.close();
    await drop?.();
  });

  it('deploys every contract once per chain and reuses the recorded set after', async () => {
    const first = await ensureDeployment({ db: database.db, log }, chain, { allowDeploy: true });
    expect(first.deployed).toBe(true);
    // Anvil (the dev chain) also gets the test stablecoin of the faucet.
    expect(Object.keys(first.addresses).sort()).toEqual([...CARAVAN_CONTRACTS, 'testStablecoin'].sort());
    const second = await ensureDeployment({ db: database.db, log }, chain, { allowDeploy: true });
    expect(second).toEqual({ addresses: first.addresses, deployed: false });
  });

  it('deploys with the Foundation and the governance settings it is given', async () => {
    await database.db.delete(deployments);
    const foundation = '0x000000000000000000000000000000000000F0a1' as const;
    const { addresses } = await ensureDeployment({ db: database.db, log }, chain, {
      allowDeploy: true,
      foundation,
      governance: { votingPeriod: 100, quorumPercent: 10, timelockDelay: 7_200n },
    });
    const read = chain.publicClient.readContract.bind(chain.publicClient);
    expect(await read({ address: addresses.handoverCharter!, abi: handoverCharterAbi, functionName: 'foundation' })).toBe(getAddress(foundation));
    expect(await read({ address: addresses.governor!, abi: caravanGovernorAbi, functionName: 'votingPeriod' })).toBe(100n);
    expect(await read({ address: addresses.governor!, abi: caravanGovernorAbi, functionName: 'quorumPercent' })).toBe(10n);
    expect(await read({ address: addresses.timelock!, abi: caravanTimelockAbi, functionName: 'getMinDelay' })).toBe(7_200n);
  });

  it('keeps an older recorded set (never orphaning registered assets) and says what it lacks', async () => {
    const [row] = await database.db.select().from(deployments);
    const { assetRegistry, receipts } = row!.addresses as Record<string, string>;
    await database.db.update(deployments).set({ addresses: { assetRegistry: assetRegistry!, receipts: receipts! } });
    const kept = await ensureDeployment({ db: database.db, log }, chain, { allowDeploy: true });
    expect(kept).toEqual({ addresses: { assetRegistry, receipts }, deployed: false });
    expect(lines.some((l) => l.includes('older Caravan deployment') && l.includes('revenuePool'))).toBe(true);
  });

  it('redeploys when the recorded contracts are gone from the chain (a reset dev chain)', async () => {
    await database.db.update(deployments).set({
      addresses: { assetRegistry: '0x00000000000000000000000000000000000000a1', receipts: '0x00000000000000000000000000000000000000a2' },
    });
    const again = await ensureDeployment({ db: database.db, log }, chain, { allowDeploy: true });
    expect(again.deployed).toBe(true);
  });

  it('refuses configured addresses without code, and an unknown chain where deploying is not allowed', async () => {
    const empty = JSON.stringify({ assetRegistry: '0x00000000000000000000000000000000000000b1', receipts: '0x00000000000000000000000000000000000000b2' });
    await expect(ensureDeployment({ db: database.db, log }, chain, { configured: empty, allowDeploy: false })).rejects.toThrow(
      /CONTRACT_ADDRESSES: no contract code/,
    );
    await database.db.delete(deployments);
    await expect(ensureDeployment({ db: database.db, log }, chain, { allowDeploy: false })).rejects.toBeInstanceOf(ConfigError);
  });
});
