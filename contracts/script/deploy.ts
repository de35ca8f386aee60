/**
 * Deploys and wires Caravan's contracts with viem. Used by the dev stack (`caravan start`), `caravan deploy`,
 * the tests and the benchmark.
 *
 * @example
 * const deployment = await deployCaravan({ walletClient, publicClient });
 * await walletClient.writeContract({ address: deployment.addresses.assetRegistry, abi: assetRegistryAbi, ... });
 */
import { getAddress, type Abi, type Account, type Address, type Chain, type Hex, type PublicClient, type Transport, type WalletClient } from 'viem';
import { assetRegistryAbi, assetRegistryBytecode } from '../bindings/AssetRegistry.ts';
import { receiptsAbi, receiptsBytecode } from '../bindings/Receipts.ts';

/** Addresses of the deployed contracts. */
export type CaravanAddresses = {
  assetRegistry: Address;
  receipts: Address;
};

/** What {@link deployCaravan} deployed, and where. */
export type CaravanDeployment = {
  chainId: number;
  /** Block of the last deployment transaction: indexers start here. */
  blockNumber: bigint;
  /** The account that deployed (and, unless handed over, administers) the contracts. */
  deployer: Address;
  addresses: CaravanAddresses;
};

/** Parameters of {@link deployCaravan}. */
export type DeployCaravanParameters = {
  /** Sends the deployment transactions; must carry an account. */
  walletClient: WalletClient;
  publicClient: PublicClient;
  /** Extra accounts given the registry's OPERATOR_ROLE (the deployer always has it). */
  operators?: readonly Address[];
};

/** A deployment step failed (reverted or produced no contract). */
export class DeployCaravanError extends Error {
  override readonly name = 'DeployCaravanError';
  constructor(
    message: string,
    readonly step: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

type Ctx = {
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  publicClient: PublicClient;
  lastBlock: bigint;
};

async function deploy(ctx: Ctx, step: string, abi: Abi, bytecode: Hex, args: readonly unknown[]): Promise<Address> {
  const hash = await ctx.walletClient.deployContract({
    abi,
    bytecode,
    args,
    account: ctx.walletClient.account,
    chain: ctx.walletClient.chain,
  } as Parameters<typeof ctx.walletClient.deployContract>[0]);
  const receipt = await ctx.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success' || !receipt.contractAddress) {
    throw new DeployCaravanError(`deploying ${step} failed (tx ${hash})`, step);
  }
  ctx.lastBlock = receipt.blockNumber;
  return getAddress(receipt.contractAddress);
}

async function call(
  ctx: Ctx,
  step: string,
  address: Address,
  abi: Abi,
  functionName: string,
  args: readonly unknown[],
): Promise<void> {
  const hash = await ctx.walletClient.writeContract({
    address,
    abi,
    functionName,
    args,
    account: ctx.walletClient.account,
    chain: ctx.walletClient.chain,
  } as Parameters<typeof ctx.walletClient.writeContract>[0]);
  const receipt = await ctx.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new DeployCaravanError(`${step} reverted (tx ${hash})`, step);
  ctx.lastBlock = receipt.blockNumber;
}

/**
 * Deploys every Caravan contract from `walletClient`'s account and wires their roles.
 * @returns the chain id, the block of the last deployment transaction and the contract addresses
 */
export async function deployCaravan(params: DeployCaravanParameters): Promise<CaravanDeployment> {
  const { walletClient, publicClient } = params;
  const account = walletClient.account;
  if (!account) throw new DeployCaravanError('walletClient has no account to deploy from', 'account');
  const ctx: Ctx = {
    walletClient: walletClient as WalletClient<Transport, Chain | undefined, Account>,
    publicClient,
    lastBlock: 0n,
  };
  const deployer = account.address;
  const chainId = await publicClient.getChainId();

  const assetRegistry = await deploy(ctx, 'AssetRegistry', assetRegistryAbi, assetRegistryBytecode, [deployer]);
  const receipts = await deploy(ctx, 'Receipts', receiptsAbi, receiptsBytecode, [assetRegistry]);

  const operatorRole = await publicClient.readContract({
    address: assetRegistry,
    abi: assetRegistryAbi,
    functionName: 'OPERATOR_ROLE',
  });
  for (const operator of params.operators ?? []) {
    await call(ctx, `grant OPERATOR_ROLE to ${operator}`, assetRegistry, assetRegistryAbi, 'grantRole', [
      operatorRole,
      operator,
    ]);
  }

  return { chainId, blockNumber: ctx.lastBlock, deployer, addresses: { assetRegistry, receipts } };
}
