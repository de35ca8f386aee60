import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { encodeFunctionData, keccak256, parseTransaction, toHex, type Hash, type Hex } from 'viem';
import { assetRegistryAbi } from '../../contracts/bindings/index.ts';
import { createTestPlatform } from '../../test/helpers/testRuntime.ts';
import type { Database } from '../db/client.ts';
import { chainTxs } from '../db/schema.ts';
import { ChainError } from '../errors.ts';
import type { ChainDeps } from './clients.ts';
import { sendOnce } from './sendOnce.ts';

/** A nonce a job reserved and never used must not hold back the sender's later transactions. */
describe('fillNonceGaps (through sendOnce)', () => {
  let database: Database;
  let chain: ChainDeps;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ database, chain, close } = await createTestPlatform());
  });
  afterAll(async () => {
    await close?.();
  });

  const registerArgs = (name: string) => [0, keccak256(toHex(name)), 'caravan://test', chain.account.address, []] as const;
  const register = (key: string, name: string) =>
    sendOnce(
      { db: database.db, chain },
      { key, address: chain.addresses.assetRegistry, abi: assetRegistryAbi, functionName: 'registerAsset', args: registerArgs(name) },
    );
  const rowOf = async (key: string) => (await database.db.select().from(chainTxs).where(eq(chainTxs.key, key)))[0]!;
  const minedNonce = () => chain.publicClient.getTransactionCount({ address: chain.account.address, blockTag: 'latest' });
  /** Signs and stores a registration at the next nonce without simulating or broadcasting it: a job that died there. */
  async function storeUnsent(key: string, name: string) {
    const nonce = await chain.publicClient.getTransactionCount({ address: chain.account.address, blockTag: 'pending' });
    const request = await chain.walletClient.prepareTransactionRequest({
      to: chain.addresses.assetRegistry,
      data: encodeFunctionData({ abi: assetRegistryAbi, functionName: 'registerAsset', args: registerArgs(name) }),
      nonce,
      gas: 500_000n,
    });
    const raw = await chain.walletClient.signTransaction(request as never);
    const hash = keccak256(raw);
    await database.db.insert(chainTxs).values({
      key,
      chainId: chain.chainId,
      fromAddress: chain.account.address,
      nonce,
      hash,
      raw,
      history: [{ hash, raw, kind: 'call', signedAt: new Date().toISOString() }],
    });
    return { nonce, hash };
  }

  it('sends a stored transaction that was never broadcast before a later one of the same sender', async () => {
    const unsent = await storeUnsent('never-sent', 'never-sent');
    const later = await register('later', 'later');
    expect(later.status).toBe('success');
    expect((await rowOf('later')).nonce).toBe(unsent.nonce + 1);
    expect(await chain.publicClient.getTransactionReceipt({ hash: unsent.hash as Hash })).toMatchObject({ status: 'success' });
    expect(await minedNonce()).toBe(unsent.nonce + 2);
    // The job that stored it finds it mined when it retries.
    expect((await register('never-sent', 'never-sent')).transactionHash).toBe(unsent.hash);
    expect((await rowOf('never-sent')).status).toBe('mined');
  });

  it('cancels a stored call that would now revert: an empty self-transfer takes its nonce', async () => {
    await register('first', 'twice');
    // Signed before the first registration landed, never sent; now it would revert (already registered).
    const doomed = await storeUnsent('doomed', 'twice');
    const later = await register('after-doomed', 'after-doomed');
    expect(later.status).toBe('success');
    expect(await minedNonce()).toBe(doomed.nonce + 2);

    const row = await rowOf('doomed');
    expect(row.history.map((v) => v.kind)).toEqual(['call', 'cancel']);
    const cancel = parseTransaction(row.history[1]!.raw as Hex);
    expect(cancel.nonce).toBe(doomed.nonce);
    expect(cancel.to).toBe(chain.account.address.toLowerCase());
    expect(cancel.value ?? 0n).toBe(0n);
    expect(cancel.data).toBeUndefined();
    const err = await register('doomed', 'twice').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChainError);
    expect((err as ChainError).retryable).toBe(false);
    expect((err as ChainError).shortMessage).toMatch(/^Transaction doomed was cancelled: an empty transfer \(0x[0-9a-f]{64}\) took its nonce \d+\.$/);
    expect((await rowOf('doomed')).status).toBe('cancelled');
    await expect(chain.publicClient.getTransactionReceipt({ hash: doomed.hash as Hash })).rejects.toThrow(/could not be found/);
  });
});
