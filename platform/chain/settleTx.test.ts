import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import {
  encodeFunctionData,
  keccak256,
  parseGwei,
  parseTransaction,
  toHex,
  TransactionReceiptNotFoundError,
  type Hash,
  type Hex,
  type TransactionReceipt,
} from 'viem';
import { assetRegistryAbi } from '../../contracts/bindings/index.ts';
import { createPrivateChainPlatform, type PrivateChainPlatform } from '../../test/helpers/privateChain.ts';
import { eventually } from '../../test/helpers/testRuntime.ts';
import { chainTxs } from '../db/schema.ts';
import { ChainError } from '../errors.ts';
import type { ChainDeps } from './clients.ts';
import { replaceTx } from './replaceTx.ts';
import { sendOnce } from './sendOnce.ts';
import { settleTx } from './settleTx.ts';
import type { StoredTx } from './storedTx.ts';
import { txPolicyOf, type TxPolicy } from './txPolicy.ts';

/**
 * Stuck transactions on a chain of their own: mining stopped, base fee raised. Each ends with
 * exactly one transaction at its nonce on-chain.
 */
describe('settleTx', () => {
  let p: PrivateChainPlatform;
  let chain: ChainDeps;

  beforeAll(async () => {
    p = await createPrivateChainPlatform();
    chain = p.chain;
  });
  afterAll(async () => {
    await p?.close();
  });

  const contentHash = (name: string) => keccak256(toHex(name));
  const registerArgs = (name: string) => [0, contentHash(name), 'caravan://test', chain.account.address, []] as const;
  const register = (key: string, name: string, txPolicy: Partial<TxPolicy>) =>
    sendOnce(
      { db: p.database.db, chain: { ...chain, txPolicy } },
      { key, address: chain.addresses.assetRegistry, abi: assetRegistryAbi, functionName: 'registerAsset', args: registerArgs(name) },
    );
  const rowOf = async (key: string): Promise<StoredTx | undefined> => (await p.database.db.select().from(chainTxs).where(eq(chainTxs.key, key)))[0];
  const minedNonce = () => chain.publicClient.getTransactionCount({ address: chain.account.address, blockTag: 'latest' });
  const inPool = (hash: string) => chain.publicClient.getTransaction({ hash: hash as Hash }).then(() => true, () => false);
  const receiptOf = (hash: string) =>
    chain.publicClient.getTransactionReceipt({ hash: hash as Hash }).catch((e: unknown) => {
      if (e instanceof TransactionReceiptNotFoundError) return undefined;
      throw e;
    });
  /** Registrations of `name` on-chain: one, however many versions were signed. */
  const registrations = async (name: string) =>
    (await chain.publicClient.getContractEvents({ address: chain.addresses.assetRegistry, abi: assetRegistryAbi, eventName: 'AssetRegistered', fromBlock: 0n }))
      .filter((e) => e.args.contentHash === contentHash(name)).length;
  /** Mines a block every 150 ms (at `baseFeeGwei` when given) until `work` settles. */
  async function mineWhile<T>(work: Promise<T>, baseFeeGwei?: string): Promise<T> {
    let done = false;
    const miner = (async () => {
      while (!done) {
        await p.mine(baseFeeGwei);
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    try {
      return await work;
    } finally {
      done = true;
      await miner;
    }
  }
  /** Each version at the same nonce, the same call, both fees ≥ 12.5 % above the one before. */
  function expectReplacements(tx: StoredTx) {
    const parsed = tx.history.map((v) => parseTransaction(v.raw as Hex));
    for (const [i, t] of parsed.entries()) {
      expect(t.nonce).toBe(tx.nonce);
      expect(t.data).toBe(parsed[0]!.data);
      expect(t.to).toBe(parsed[0]!.to);
      if (i === 0) continue;
      expect(t.maxFeePerGas! * 8n).toBeGreaterThanOrEqual(parsed[i - 1]!.maxFeePerGas! * 9n);
      expect(t.maxPriorityFeePerGas! * 8n).toBeGreaterThanOrEqual(parsed[i - 1]!.maxPriorityFeePerGas! * 9n);
    }
    expect(new Set(tx.history.map((v) => v.hash)).size).toBe(tx.history.length);
  }
  async function expectExactlyOneMined(tx: StoredTx, receipt: TransactionReceipt) {
    const mined = (await Promise.all(tx.history.map((v) => receiptOf(v.hash)))).filter(Boolean);
    expect(mined).toHaveLength(1);
    expect(mined[0]!.transactionHash).toBe(receipt.transactionHash);
    expect(tx.hash).toBe(receipt.transactionHash);
    expect(tx.status).toBe('mined');
    expect(await minedNonce()).toBe(tx.nonce + 1);
  }

  it('re-signs a transaction not mined in time at the same nonce with higher fees; exactly one lands', async () => {
    // Each test starts from a 1 gwei base fee, whatever the one before left.
    await p.mine('1');
    await p.automine(false);
    try {
      const sending = register('stuck-1', 'stuck-1', { replaceAfterMs: 500, waitMs: 30_000 });
      await eventually(async () => ((await rowOf('stuck-1'))?.history.length ?? 0) >= 2, 15_000, 'a replacement');
      const receipt = await mineWhile(sending);
      const tx = (await rowOf('stuck-1'))!;
      expectReplacements(tx);
      await expectExactlyOneMined(tx, receipt);
      expect(await registrations('stuck-1')).toBe(1);
    } finally {
      await p.automine(true);
    }
  });

  it('after a base fee rise drops it from the pool, the replacement pays at least what the network asks', async () => {
    // Each test starts from a 1 gwei base fee, whatever the one before left.
    await p.mine('1');
    await p.automine(false);
    try {
      const sending = register('stuck-2', 'stuck-2', { replaceAfterMs: 800, waitMs: 30_000 });
      const first = await eventually(async () => {
        const row = await rowOf('stuck-2');
        return row && (await inPool(row.hash)) ? row : undefined;
      }, 10_000, 'the first version in the pool');
      const receipt = await mineWhile(sending, '50');
      const tx = (await rowOf('stuck-2'))!;
      expect(tx.history[0]!.hash).toBe(first.hash);
      expect(tx.history.length).toBeGreaterThanOrEqual(2);
      expectReplacements(tx);
      expect(parseTransaction(tx.raw as Hex).maxFeePerGas).toBeGreaterThanOrEqual(parseGwei('60'));
      await expectExactlyOneMined(tx, receipt);
      expect(await receiptOf(first.hash)).toBeUndefined();
    } finally {
      await p.automine(true);
    }
  });

  it('gives up with a retryable ChainError at the fee cap; a later try under a higher cap lands it', async () => {
    // Each test starts from a 1 gwei base fee, whatever the one before left.
    await p.mine('1');
    await p.automine(false);
    try {
      const sending = register('capped', 'capped', { replaceAfterMs: 400, waitMs: 30_000, maxFeePerGas: parseGwei('10') }).catch((e: unknown) => e);
      await eventually(async () => {
        const row = await rowOf('capped');
        return row && inPool(row.hash);
      }, 10_000, 'the first version in the pool');
      const err = await mineWhile(sending, '50');
      expect(err).toBeInstanceOf(ChainError);
      expect((err as ChainError).retryable).toBe(true);
      expect((err as ChainError).shortMessage).toMatch(/stuck: replacing it would pass the fee cap/);
      const capped = (await rowOf('capped'))!;
      expect(capped.status).toBe('sent');
      for (const v of capped.history) expect(parseTransaction(v.raw as Hex).maxFeePerGas).toBeLessThanOrEqual(parseGwei('10'));

      const settled = await mineWhile(settleTx({ db: p.database.db, chain }, { tx: capped, policy: { replaceAfterMs: 400 } }), '50');
      expect(settled.status).toBe('mined');
      await expectExactlyOneMined(settled.tx, settled.receipt!);
      expect(await registrations('capped')).toBe(1);
    } finally {
      await p.automine(true);
    }
  });

  it('finds the receipt of an earlier version when the stored replacement never reached the node', async () => {
    // Each test starts from a 1 gwei base fee, whatever the one before left.
    await p.mine('1');
    await p.automine(false);
    try {
      // A crash between storing a replacement and broadcasting it: the chain mines the original.
      const sending = register('earlier', 'earlier', { replaceAfterMs: 60_000, waitMs: 30_000 });
      const first = await eventually(async () => {
        const row = await rowOf('earlier');
        return row && (await inPool(row.hash)) ? row : undefined;
      }, 10_000, 'the first version in the pool');
      const replaced = await replaceTx({ db: p.database.db, chain }, { tx: first, account: chain.account, policy: txPolicyOf(chain) });
      expect(replaced.history).toHaveLength(2);
      expect(replaced.hash).not.toBe(first.hash);
      const receipt = await mineWhile(sending);
      expect(receipt.transactionHash).toBe(first.hash);
      const tx = (await rowOf('earlier'))!;
      expect(tx.history).toHaveLength(2);
      await expectExactlyOneMined(tx, receipt);
    } finally {
      await p.automine(true);
    }
  });

  it('replaces a legacy transaction by its gas price the same way', async () => {
    await p.mine('1');
    await p.automine(false);
    try {
      const nonce = await chain.publicClient.getTransactionCount({ address: chain.account.address, blockTag: 'pending' });
      const request = await chain.walletClient.prepareTransactionRequest({
        to: chain.addresses.assetRegistry,
        data: encodeFunctionData({ abi: assetRegistryAbi, functionName: 'registerAsset', args: registerArgs('legacy') }),
        nonce,
        gas: 500_000n,
        type: 'legacy',
      });
      const raw = await chain.walletClient.signTransaction(request as never);
      const hash = keccak256(raw);
      const [row] = await p.database.db
        .insert(chainTxs)
        .values({ key: 'legacy', chainId: chain.chainId, fromAddress: chain.account.address, nonce, hash, raw, history: [{ hash, raw, kind: 'call', signedAt: new Date().toISOString() }] })
        .returning();
      await chain.publicClient.sendRawTransaction({ serializedTransaction: raw });
      const settling = settleTx({ db: p.database.db, chain }, { tx: row!, replaceNow: true, policy: { waitMs: 20_000 } });
      await eventually(async () => {
        const now = await rowOf('legacy');
        return now && now.history.length >= 2 && inPool(now.hash);
      }, 10_000, 'the replacement in the pool');
      const settled = await mineWhile(settling);
      const [first, second] = settled.tx.history.map((v) => parseTransaction(v.raw as Hex));
      expect(second!.type).toBe('legacy');
      expect(second!.nonce).toBe(nonce);
      expect(second!.gasPrice! * 8n).toBeGreaterThanOrEqual(first!.gasPrice! * 9n);
      await expectExactlyOneMined(settled.tx, settled.receipt!);
    } finally {
      await p.automine(true);
    }
  });

  it('sends the stored lower nonce a queued transaction waits behind', async () => {
    // Two stored, signed transactions; neither broadcast (a crash). The higher one is settled first.
    const nonce = await chain.publicClient.getTransactionCount({ address: chain.account.address, blockTag: 'pending' });
    const store = async (key: string, name: string, n: number) => {
      const request = await chain.walletClient.prepareTransactionRequest({
        to: chain.addresses.assetRegistry,
        data: encodeFunctionData({ abi: assetRegistryAbi, functionName: 'registerAsset', args: registerArgs(name) }),
        nonce: n,
        gas: 500_000n,
      });
      const raw = await chain.walletClient.signTransaction(request as never);
      const hash = keccak256(raw);
      const history = [{ hash, raw, kind: 'call' as const, signedAt: new Date().toISOString() }];
      const [row] = await p.database.db
        .insert(chainTxs)
        .values({ key, chainId: chain.chainId, fromAddress: chain.account.address, nonce: n, hash, raw, history })
        .returning();
      return row!;
    };
    const low = await store('gap-low', 'gap-low', nonce);
    const high = await store('gap-high', 'gap-high', nonce + 1);
    const t0 = Date.now();
    const settled = await settleTx({ db: p.database.db, chain }, { tx: high, policy: { replaceAfterMs: 60_000, waitMs: 20_000 } });
    expect(settled.status).toBe('mined');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(await receiptOf(low.hash)).toMatchObject({ status: 'success' });
    expect(await minedNonce()).toBe(nonce + 2);
    expect(await registrations('gap-low')).toBe(1);
    expect(await registrations('gap-high')).toBe(1);
  });
});
