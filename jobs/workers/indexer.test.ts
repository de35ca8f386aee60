import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { Queue } from 'bullmq';
import { keccak256, parseEventLogs, toHex } from 'viem';
import { assetRegistryAbi, receiptsAbi } from '../../contracts/bindings/index.ts';
import { createTestPlatform, eventually } from '../../test/helpers/testRuntime.ts';
import type { ChainDeps } from '../../platform/chain/clients.ts';
import type { Database } from '../../platform/db/client.ts';
import { chainCursor, chainEvents, chainReceiptHolders, deployments } from '../../platform/db/schema.ts';
import { createLogger } from '../../platform/log.ts';
import { redisConnection, type QueueSettings } from '../queues.ts';
import { startWorkers, type RunningWorkers } from '../startWorkers.ts';
import type { WorkerDeps } from '../workerDeps.ts';
import { INDEX_SCHEDULER_ID } from './indexer.ts';

describe('index worker', () => {
  let database: Database;
  let chain: ChainDeps;
  let close: () => Promise<void>;
  let workers: RunningWorkers | undefined;
  const settings: QueueSettings = { connection: redisConnection(inject('services').redisUrl), prefix: `t${crypto.randomBytes(4).toString('hex')}` };

  beforeAll(async () => {
    ({ database, chain, close } = await createTestPlatform());
    const blockNumber = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
    await database.db.insert(deployments).values({ chainId: chain.chainId, addresses: chain.addresses, blockNumber });
  });
  afterAll(async () => {
    await workers?.close();
    const queue = new Queue('index', { connection: settings.connection, prefix: settings.prefix });
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await close?.();
  });

  it('indexes new blocks every INDEXER_INTERVAL, without anything queued by hand', async () => {
    const deps = { db: database.db, chain, settings, log: createLogger({ level: 'silent', pretty: false }), indexerIntervalMs: 200 };
    workers = startWorkers(deps as unknown as WorkerDeps, ['index']);

    const send = async (functionName: string, args: readonly unknown[], abi: typeof assetRegistryAbi | typeof receiptsAbi, address: `0x${string}`) => {
      const hash = await chain.walletClient.writeContract({ address, abi, functionName, args } as never);
      return chain.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    };
    const registered = await send(
      'registerAsset',
      [0, keccak256(toHex(`worker-${settings.prefix}`)), 'caravan://worker', chain.account.address, []],
      assetRegistryAbi,
      chain.addresses.assetRegistry,
    );
    const assetId = parseEventLogs({ abi: assetRegistryAbi, logs: registered.logs, eventName: 'AssetRegistered' })[0]!.args.assetId;
    const issued = await send('issue', [chain.account.address, assetId, 7n], receiptsAbi, chain.addresses.receipts);

    const holder = await eventually(
      async () =>
        (
          await database.db
            .select()
            .from(chainReceiptHolders)
            .where(and(eq(chainReceiptHolders.chainId, chain.chainId), eq(chainReceiptHolders.assetId, assetId)))
        )[0],
      20_000,
      'the indexed receipt',
    );
    expect(holder).toMatchObject({ holder: chain.account.address, shares: 7n });
    const [cursor] = await database.db.select().from(chainCursor).where(eq(chainCursor.chainId, chain.chainId));
    expect(cursor!.blockNumber).toBeGreaterThanOrEqual(issued.blockNumber);
    expect(await database.db.select().from(chainEvents).where(eq(chainEvents.txHash, issued.transactionHash))).not.toHaveLength(0);

    const queue = new Queue('index', { connection: settings.connection, prefix: settings.prefix });
    try {
      expect((await queue.getJobSchedulers()).map((s) => s.key)).toContain(INDEX_SCHEDULER_ID);
    } finally {
      await queue.close();
    }
  });
});
