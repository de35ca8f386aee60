import { describe, expect, it, beforeAll, inject } from 'vitest';
import {
  createPublicClient,
  http,
  keccak256,
  InvalidInputRpcError,
  RpcRequestError,
  type Hex,
  type PublicClient,
  type WalletClient,
  type Account,
  type Chain,
  type Transport,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { fundedOperatorKey } from '../../test/helpers/testRuntime.ts';
import { connectChain } from './clients.ts';
import { classifyNodeError } from './classifyNodeError.ts';

/** Runs `fn` and returns what it threw (failing the test when it throws nothing). */
async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

/** Real errors from a real anvil, sorted by what the sender should do. */
describe('classifyNodeError', () => {
  let publicClient: PublicClient<Transport, Chain>;
  let walletClient: WalletClient<Transport, Chain, Account>;
  let account: Account;
  const sign = (tx: Record<string, unknown>, by: Account = account) => walletClient.signTransaction({ account: by, ...tx } as never) as Promise<Hex>;
  const send = (raw: Hex) => publicClient.sendRawTransaction({ serializedTransaction: raw });
  const transfer = async (nonce: number, extra: Record<string, unknown> = {}) => {
    const fees = await publicClient.estimateFeesPerGas();
    return { to: account.address, value: 0n, gas: 21_000n, nonce, ...fees, chainId: publicClient.chain.id, type: 'eip1559', ...extra };
  };

  beforeAll(async () => {
    ({ publicClient, walletClient, account } = await connectChain({ rpcUrl: inject('services').rpcUrl, operatorKey: await fundedOperatorKey() }));
  });

  it('tells "already imported", "replacement underpriced" and "nonce too low" apart', async () => {
    const pending = await publicClient.getTransactionCount({ address: account.address, blockTag: 'pending' });
    // A nonce past a gap stays queued (never mined), so a second transaction can meet it in the pool.
    const queued = await sign(await transfer(pending + 5));
    await send(queued);
    try {
      expect(classifyNodeError(await thrown(() => send(queued)))).toBe('alreadyKnown');
      const rival = await sign(await transfer(pending + 5, { to: '0x000000000000000000000000000000000000dEaD' }));
      expect(classifyNodeError(await thrown(() => send(rival)))).toBe('underpriced');
    } finally {
      await publicClient.request({ method: 'anvil_dropTransaction' as never, params: [keccak256(queued)] as never });
    }
    const mined = await sign(await transfer(pending));
    await publicClient.waitForTransactionReceipt({ hash: await send(mined) });
    expect(classifyNodeError(await thrown(() => send(mined)))).toBe('nonceTooLow');
    // The same refusal through a wallet action arrives wrapped by viem (TransactionExecutionError → NonceTooLowError).
    const viaWallet = await thrown(() => walletClient.sendTransaction({ to: account.address, nonce: pending }));
    expect((viaWallet as Error).name).toBe('TransactionExecutionError');
    expect(classifyNodeError(viaWallet)).toBe('nonceTooLow');
  });

  it('sees insufficient funds, a fee under the base fee and bytes that can never go in', async () => {
    const broke = privateKeyToAccount(generatePrivateKey());
    const poor = await sign(await transfer(0, { to: broke.address, value: 1n }), broke);
    expect(classifyNodeError(await thrown(() => send(poor)))).toBe('insufficientFunds');
    const viaWallet = await thrown(() => walletClient.sendTransaction({ account: broke, to: broke.address, value: 1n }));
    expect(classifyNodeError(viaWallet)).toBe('insufficientFunds');

    const nonce = await publicClient.getTransactionCount({ address: account.address, blockTag: 'pending' });
    const cheap = await sign(await transfer(nonce, { maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }));
    expect(classifyNodeError(await thrown(() => send(cheap)))).toBe('feeTooLow');
    const starved = await sign(await transfer(nonce, { gas: 20_000n }));
    expect(classifyNodeError(await thrown(() => send(starved)))).toBe('invalid');
    expect(classifyNodeError(await thrown(() => send('0x02deadbeef')))).toBe('invalid');
  });

  it('calls a node that does not answer a transport failure', async () => {
    const down = createPublicClient({ transport: http('http://127.0.0.1:9', { retryCount: 0 }) });
    const err = await thrown(() => down.sendRawTransaction({ serializedTransaction: '0x02c0' }));
    expect(classifyNodeError(err)).toBe('transport');
    expect(classifyNodeError(new Error('already known'))).toBe('unknown');
  });

  it('never reads "unknown …" as "known": node messages are compared whole', () => {
    // A geth-style -32000 refusal whose text contains "known" (the old substring test took it for "already known").
    const refusal = (message: string) =>
      new InvalidInputRpcError(new RpcRequestError({ body: { method: 'eth_sendRawTransaction' }, error: { code: -32000, message }, url: 'http://node' }));
    expect(classifyNodeError(refusal('unknown account'))).toBe('unknown');
    expect(classifyNodeError(refusal('transaction type unknown to this node'))).toBe('unknown');
    expect(classifyNodeError(refusal('already known'))).toBe('alreadyKnown');
    expect(classifyNodeError(refusal('transaction underpriced: tip needed 1, tip permitted 0'))).toBe('underpriced');
    expect(classifyNodeError(refusal('nonce too high'))).toBe('nonceTooHigh');
  });
});
