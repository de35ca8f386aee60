import type { Address } from 'viem';
import { receiptsAbi } from '../../contracts/bindings/index.ts';
import type { ChainDeps } from '../chain/clients.ts';
import type { Db } from '../db/client.ts';
import { InputError } from '../errors.ts';
import { findWalletUser } from './findWalletUser.ts';
import { listHeldReceipts, type HeldReceipt } from './listHeldReceipts.ts';

/** How long a rebind consent stays valid on-chain. */
export const REBIND_DEADLINE_SECONDS = 600n;

/** `Receipts.REBIND_TYPEHASH`'s type. */
export const REBIND_TYPES = {
  Rebind: [
    { name: 'from', type: 'address' },
    { name: 'to', type: 'address' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
} as const;

/**
 * EIP-712 typed data in the JSON shape `eth_signTypedData_v4` takes: the domain type spelled out,
 * integers as decimal strings.
 */
export type RebindTypedDataJson = {
  domain: { name: string; version: string; chainId: number; verifyingContract: Address };
  types: Record<'EIP712Domain' | 'Rebind', Array<{ name: string; type: string }>>;
  primaryType: 'Rebind';
  message: { from: Address; to: Address; nonce: string; deadline: string };
};

export type PrepareRebindReturnType = {
  typedData: RebindTypedDataJson;
  /** The receipts the rebind will move (those at the custodial address). */
  receipts: HeldReceipt[];
  from: Address;
  to: Address;
  nonce: bigint;
  deadline: bigint;
};

/**
 * What the linked wallet signs to consent to receive the user's receipts from their custodial
 * address: `Rebind(from, to, nonce, deadline)` in the Receipts contract's EIP-712 domain (read
 * from the contract), with `nonce = nonces(to)` and a deadline 10 minutes after the chain's
 * latest block.
 *
 * @throws InputError when no wallet is linked or no receipts wait at the custodial address.
 */
export async function prepareRebind(deps: { db: Db; chain: ChainDeps }, params: { userId: number }): Promise<PrepareRebindReturnType> {
  const { chain } = deps;
  const { wallet, custodial } = await findWalletUser(deps, params.userId);
  const receipts = await listHeldReceipts(deps, { userId: params.userId, holder: custodial });
  if (!receipts.length) throw new InputError('No receipts wait at the address Caravan kept for you: there is nothing to move.');
  const address = chain.addresses.receipts;
  const [[, name, version, chainId, verifyingContract], nonce, block] = await Promise.all([
    chain.publicClient.readContract({ address, abi: receiptsAbi, functionName: 'eip712Domain' }),
    chain.publicClient.readContract({ address, abi: receiptsAbi, functionName: 'nonces', args: [wallet] }),
    chain.publicClient.getBlock({ blockTag: 'latest' }),
  ]);
  // The chain's clock decides expiry; a dev chain may run ahead of the wall clock.
  const now = BigInt(Math.floor(Date.now() / 1000));
  const deadline = (block.timestamp > now ? block.timestamp : now) + REBIND_DEADLINE_SECONDS;
  return {
    typedData: {
      domain: { name, version, chainId: Number(chainId), verifyingContract },
      types: {
        EIP712Domain: [
          { name: 'name', type: 'string' },
          { name: 'version', type: 'string' },
          { name: 'chainId', type: 'uint256' },
          { name: 'verifyingContract', type: 'address' },
        ],
        Rebind: [...REBIND_TYPES.Rebind],
      },
      primaryType: 'Rebind',
      message: { from: custodial, to: wallet, nonce: nonce.toString(), deadline: deadline.toString() },
    },
    receipts,
    from: custodial,
    to: wallet,
    nonce,
    deadline,
  };
}
