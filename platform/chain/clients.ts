import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  webSocket,
  type Account,
  type Address,
  type Chain,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ServiceError } from '../errors.ts';
import type { TxPolicy } from './txPolicy.ts';

/** Addresses of Caravan's contracts on one chain. */
export type ContractAddresses = { assetRegistry: Address; receipts: Address } & Record<string, Address>;

/** Everything platform code needs to read and write the chain. */
export type ChainDeps = {
  chainId: number;
  publicClient: PublicClient<Transport, Chain>;
  walletClient: WalletClient<Transport, Chain, Account>;
  /** The platform operator (pays gas, holds OPERATOR_ROLE). */
  account: Account;
  addresses: ContractAddresses;
  /** Blocks to wait before a transaction counts as final. */
  confirmations: number;
  /** When stuck transactions are replaced and how high their fees may go (default `DEFAULT_TX_POLICY`). */
  txPolicy?: Partial<TxPolicy> | undefined;
};

/** Anvil's first default account: the dev stack's operator. Never use it on a real chain. */
export const ANVIL_DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80' as const;

/**
 * Connects to `rpcUrl`, reads its chain id and returns viem clients bound to that chain and
 * to the operator key.
 */
export async function connectChain(params: { rpcUrl: string; operatorKey: `0x${string}` }) {
  const transport = params.rpcUrl.startsWith('ws') ? webSocket(params.rpcUrl) : http(params.rpcUrl, { retryCount: 2 });
  let chainId: number;
  try {
    chainId = await createPublicClient({ transport }).getChainId();
  } catch (cause) {
    throw new ServiceError(`The chain RPC at ${params.rpcUrl} does not answer.`, { cause, retryable: true });
  }
  const chain = defineChain({
    id: chainId,
    name: chainId === 31337 ? 'Anvil' : `Chain ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [params.rpcUrl] } },
  });
  const account = privateKeyToAccount(params.operatorKey);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 250 }) as PublicClient<Transport, Chain>;
  const walletClient = createWalletClient({ chain, transport, account });
  return { chainId, chain, publicClient, walletClient, account };
}
