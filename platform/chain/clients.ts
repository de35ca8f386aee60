import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  webSocket,
  zeroAddress,
  type Account,
  type Address,
  type Chain,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount, toAccount } from 'viem/accounts';
import { ConfigError, ServiceError } from '../errors.ts';
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

/** Why a process without the operator key cannot send as the operator. */
const NO_OPERATOR_KEY = () =>
  new ConfigError('This process runs without the operator key (OPERATOR_PRIVATE_KEY), so it cannot send as the operator.', {
    metaMessages: ['`caravan api` and `caravan bots` may run without it; sending as the operator needs it (gas top-ups, license terms).'],
  });

/**
 * The operator of a process that holds no operator key (`caravan api`, `caravan bots` without
 * OPERATOR_PRIVATE_KEY): reads work, every signature throws a `ConfigError`. Its address is the zero address.
 */
export const readOnlyOperator: Account = toAccount({
  address: zeroAddress,
  signMessage: async () => {
    throw NO_OPERATOR_KEY();
  },
  signTransaction: async () => {
    throw NO_OPERATOR_KEY();
  },
  signTypedData: async () => {
    throw NO_OPERATOR_KEY();
  },
});

/** Throws the `ConfigError` of a keyless process when `account` is {@link readOnlyOperator}. */
export function assertCanSend(account: Account): void {
  if (account === readOnlyOperator) throw NO_OPERATOR_KEY();
}

/**
 * Connects to `rpcUrl`, reads its chain id and returns viem clients bound to that chain and
 * to the operator key; without `operatorKey`, to {@link readOnlyOperator} (reads only).
 */
export async function connectChain(params: { rpcUrl: string; operatorKey?: `0x${string}` | undefined }) {
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
  const account: Account = params.operatorKey ? privateKeyToAccount(params.operatorKey) : readOnlyOperator;
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 250 }) as PublicClient<Transport, Chain>;
  const walletClient = createWalletClient({ chain, transport, account });
  return { chainId, chain, publicClient, walletClient, account };
}
