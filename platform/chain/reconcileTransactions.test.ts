import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { encodeFunctionData, keccak256, parseGwei, toHex, type Hash, type Hex } from 'viem';
import { assetRegistryAbi } from '../../contracts/bindings/index.ts';
import { createPrivateChainPlatform, type PrivateChainPlatform } from '../../test/helpers/privateChain.ts';
import { chainTxs } from '../db/schema.ts';
import { reconcileTransactions } from './reconcileTransactions.ts';

/** What a worker finds at start after a crash: transactions stored as `sent`, in every state the chain can be in. */
describe('reconcileTransactions', () => {
  let p: PrivateChainPlatform;

  beforeAll(async () => {
    p = await createPrivateChainPlatform();
  });
  afterAll(async () => {
    await p?.close();
  });

  it('marks what was mined, re-sends what the node lost, replaces what is stuck, and reports dropped nonces', async () => {
    const { chain } = p;
    const db = p.database.db;
    const me = chain.account.address;
    const sign = async (name: string, nonce: number, fees: { maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint } = {}) => {
      const request = await chain.walletClient.prepareTransactionRequest({
        to: chain.addresses.assetRegistry,
        data: encodeFunctionData({
          abi: assetRegistryAbi,
          functionName: 'registerAsset',
          args: [0, keccak256(toHex(name)), 'caravan://test', me, []],
        }),
        nonce,
        gas: 500_000n,
        ...fees,
      });
      return (await chain.walletClient.signTransaction(request as never)) as Hex;
    };
    const store = async (key: string, nonce: number, raw: Hex, signedAt = new Date()) => {
      const hash = keccak256(raw);
      await db.insert(chainTxs).values({
        key,
        chainId: chain.chainId,
        fromAddress: me,
        nonce,
        hash,
        raw,
        history: [{ hash, raw, kind: 'call', signedAt: signedAt.toISOString() }],
      });
      return hash;
    };
    const send = (raw: Hex) => chain.publicClient.sendRawTransaction({ serializedTransaction: raw });
    const statusOf = async (key: string) => (await db.select().from(chainTxs).where(eq(chainTxs.key, key)))[0]!;

    // A base fee of 50 gwei (decaying by 1/8 per block) that a 2 gwei transaction cannot meet.
    await p.mine('50');
    const n = await chain.publicClient.getTransactionCount({ address: me, blockTag: 'pending' });
    const minedHash = await store('was-mined', n, await sign('was-mined', n));
    await send((await statusOf('was-mined')).raw as Hex); // mined at once (automine); the crash came before the receipt
    await store('nonce-taken', n + 1, await sign('nonce-taken', n + 1));
    await send(await sign('someone-else', n + 1)); // the same key used elsewhere took that nonce
    const lostHash = await store('lost', n + 2, await sign('lost', n + 2)); // stored, never broadcast
    const anHourAgo = new Date(Date.now() - 3_600_000);
    const cheap = await sign('stuck', n + 3, { maxFeePerGas: parseGwei('2'), maxPriorityFeePerGas: parseGwei('1') });
    await store('stuck', n + 3, cheap, anHourAgo);

    const first = await reconcileTransactions({ db, chain });
    expect(first).toEqual({ checked: 4, mined: 1, reverted: 0, cancelled: 0, dropped: 1, pending: 2, failed: 0 });
    expect(await statusOf('was-mined')).toMatchObject({ status: 'mined', hash: minedHash });
    expect((await statusOf('nonce-taken')).status).toBe('dropped');
    const stuck = await statusOf('stuck');
    expect(stuck.history).toHaveLength(2);
    expect(stuck.hash).not.toBe(keccak256(cheap));

    const second = await reconcileTransactions({ db, chain }, { wait: true });
    expect(second).toEqual({ checked: 2, mined: 2, reverted: 0, cancelled: 0, dropped: 0, pending: 0, failed: 0 });
    expect(await chain.publicClient.getTransactionReceipt({ hash: lostHash as Hash })).toMatchObject({ status: 'success' });
    expect((await statusOf('stuck')).status).toBe('mined');
    expect(await chain.publicClient.getTransactionCount({ address: me })).toBe(n + 4);
    expect(await reconcileTransactions({ db, chain })).toMatchObject({ checked: 0 });
  });
});
