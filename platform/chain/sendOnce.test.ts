import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { keccak256, parseEventLogs, toHex, zeroAddress, type Hex } from 'viem';
import { assetRegistryAbi } from '../../contracts/bindings/index.ts';
import { createTestPlatform } from '../../test/helpers/testRuntime.ts';
import type { Database } from '../db/client.ts';
import { chainTxs } from '../db/schema.ts';
import { ChainError } from '../errors.ts';
import type { ChainDeps } from './clients.ts';
import { sendOnce } from './sendOnce.ts';

describe('sendOnce', () => {
  let database: Database;
  let chain: ChainDeps;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ database, chain, close } = await createTestPlatform());
  });
  afterAll(async () => {
    await close?.();
  });

  const register = (key: string, hash: Hex) =>
    sendOnce(
      { db: database.db, chain },
      {
        key,
        address: chain.addresses.assetRegistry,
        abi: assetRegistryAbi,
        functionName: 'registerAsset',
        args: [0, hash, 'caravan://test', chain.account.address, []],
      },
    );

  it('sends once per key, however often it is called, even concurrently', async () => {
    const hash = keccak256(toHex('dataset-a'));
    const results = await Promise.all([register('k-a', hash), register('k-a', hash), register('k-a', hash)]);
    expect(new Set(results.map((r) => r.transactionHash)).size).toBe(1);
    const rows = await database.db.select().from(chainTxs).where(eq(chainTxs.key, 'k-a'));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.status).toBe('mined');
  });

  it('after a crash between signing and broadcasting, a retry broadcasts the stored transaction', async () => {
    // Simulate the crash: sign and store a transaction as sendOnce would, without broadcasting it.
    const hash = keccak256(toHex('dataset-b'));
    const nonce = await chain.publicClient.getTransactionCount({ address: chain.account.address, blockTag: 'pending' });
    const request = await chain.walletClient.prepareTransactionRequest({
      to: chain.addresses.assetRegistry,
      data: (await import('viem')).encodeFunctionData({
        abi: assetRegistryAbi,
        functionName: 'registerAsset',
        args: [0, hash, 'caravan://test', chain.account.address, []],
      }),
      nonce,
    });
    const raw = await chain.walletClient.signTransaction(request as never);
    await database.db
      .insert(chainTxs)
      .values({ key: 'k-b', chainId: chain.chainId, fromAddress: chain.account.address, nonce, hash: keccak256(raw), raw });

    const receipt = await register('k-b', hash);
    expect(receipt.transactionHash).toBe(keccak256(raw));
    const [event] = parseEventLogs({ abi: assetRegistryAbi, logs: receipt.logs, eventName: 'AssetRegistered' });
    expect(event!.args.contentHash).toBe(hash);
  });

  it('refuses a call the contract would revert, storing nothing', async () => {
    const hash = keccak256(toHex('dataset-a'));
    const err = await register('k-dup', hash).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChainError);
    expect((err as ChainError).retryable).toBe(false);
    expect((err as ChainError).shortMessage).toMatch(/The contract refused registerAsset: \w+/);
    expect(await database.db.select().from(chainTxs).where(eq(chainTxs.key, 'k-dup'))).toHaveLength(0);
  });

  it('refuses a zero owner before anything is signed', async () => {
    const err = await sendOnce(
      { db: database.db, chain },
      {
        key: 'k-zero',
        address: chain.addresses.assetRegistry,
        abi: assetRegistryAbi,
        functionName: 'registerAsset',
        args: [0, keccak256(toHex('z')), 'x', zeroAddress, []],
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChainError);
    expect(await database.db.select().from(chainTxs).where(eq(chainTxs.key, 'k-zero'))).toHaveLength(0);
  });
});
