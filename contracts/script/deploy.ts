/**
 * Deploys and wires Caravan's contracts with viem. Used by the dev stack (`caravan start`), `caravan deploy`,
 * the tests and the benchmark.
 *
 * What gets deployed and how it is wired:
 * - AssetRegistry (deployer keeps OPERATOR_ROLE: the platform operator), Receipts, RevenuePool (observes receipt
 *   share changes; fees go to the treasury), Licenses (pays into the pool);
 * - CaravanToken (ERC20Votes; supply split between treasury, Foundation vesting and the deployer);
 * - CaravanTimelock = the treasury (no admin, open executor, sole proposer/canceller: the charter);
 * - HandoverCharter (FOUNDATION → TRANSITION → DAO), CaravanGovernor (token + receipt votes), FoundationVesting
 *   (revocable by the treasury).
 * Unless `handOver: false`, the registry's admin role and the pool's ownership then move to the timelock, so that
 * from then on only governance (the Foundation first, then the DAO, as the charter allows) changes them.
 *
 * @example
 * const { addresses } = await deployCaravan({ walletClient, publicClient });
 * await walletClient.writeContract({ address: addresses.assetRegistry, abi: assetRegistryAbi, functionName: 'registerAsset', args });
 */
import {
  getAddress,
  getContractAddress,
  parseEther,
  type Abi,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { assetRegistryAbi, assetRegistryBytecode } from '../bindings/AssetRegistry.ts';
import { caravanGovernorAbi, caravanGovernorBytecode } from '../bindings/CaravanGovernor.ts';
import { caravanTimelockAbi, caravanTimelockBytecode } from '../bindings/CaravanTimelock.ts';
import { caravanTokenAbi, caravanTokenBytecode } from '../bindings/CaravanToken.ts';
import { foundationVestingAbi, foundationVestingBytecode } from '../bindings/FoundationVesting.ts';
import { handoverCharterAbi, handoverCharterBytecode } from '../bindings/HandoverCharter.ts';
import { licensesAbi, licensesBytecode } from '../bindings/Licenses.ts';
import { receiptsAbi, receiptsBytecode } from '../bindings/Receipts.ts';
import { revenuePoolAbi, revenuePoolBytecode } from '../bindings/RevenuePool.ts';
import { testStablecoinAbi, testStablecoinBytecode } from '../bindings/TestStablecoin.ts';

/** Addresses of the deployed contracts. */
export type CaravanAddresses = {
  assetRegistry: Address;
  receipts: Address;
  revenuePool: Address;
  licenses: Address;
  token: Address;
  /** The treasury: a TimelockController with no admin and an open executor. */
  timelock: Address;
  handoverCharter: Address;
  governor: Address;
  foundationVesting: Address;
  /** Dev chains only: the test stablecoin (6 decimals) the faucet mints, listed in the revenue pool. */
  testStablecoin?: Address;
};

/** What {@link deployCaravan} deployed, and where. */
export type CaravanDeployment = {
  chainId: number;
  /** Block of the last deployment transaction: every contract exists and is wired from this block on. */
  blockNumber: bigint;
  /** The account that deployed; it keeps the registry's OPERATOR_ROLE. */
  deployer: Address;
  /** The Foundation (guardian in TRANSITION, vesting beneficiary). */
  foundation: Address;
  addresses: CaravanAddresses;
};

/** Governance settings. Defaults suit a dev chain; production passes its own (GOV_* settings, required there). */
export type CaravanGovernanceConfig = {
  /** Blocks between proposal and voting start. Default 1. */
  votingDelay: number;
  /** Blocks of voting. Default 20. */
  votingPeriod: number;
  /** Votes needed to propose. Default 0. */
  proposalThreshold: bigint;
  /**
   * Quorum, percent of all voting power (token supply + the receipts' weight). Default 4. At most
   * min(receiptVoteBps, 10,000 − receiptVoteBps) / 100, so token holders alone and receipt holders alone can reach it.
   */
  quorumPercent: number;
  /**
   * The fraction of all voting power receipts carry together, in basis points (0 < x < 10,000). Default 3,000: all
   * receipts weigh `T × 0.3 / 0.7` token-votes at any block (T = token supply), split pro rata to receipt shares.
   */
  receiptVoteBps: number;
  /** Timelock delay in seconds. Default 3600. */
  timelockDelay: bigint;
  /** Earliest start of the TRANSITION phase (unix seconds). Default: deployment time + 30 days. */
  transitionNotBefore?: bigint;
  /** Length of the Foundation's guardian veto in TRANSITION (seconds). Default 90 days. */
  guardianDuration: bigint;
  /** Time in TRANSITION before a DAO-approved move to DAO (seconds). Default 90 days. */
  minTransitionDuration: bigint;
  /** Time in TRANSITION after which anyone may move to DAO (seconds). Default 365 days. */
  sunsetDuration: bigint;
  /** Foundation vesting length in seconds, starting at deployment. Default 2 years. */
  vestingDuration: bigint;
};

/** Initial token supply (18 decimals). Defaults: 500k treasury, 200k Foundation vesting, 300k deployer. */
export type CaravanTokenAllocation = { treasury: bigint; foundationVesting: bigint; deployer: bigint };

/** Parameters of {@link deployCaravan}. */
export type DeployCaravanParameters = {
  /** Sends the deployment transactions; must carry an account. */
  walletClient: WalletClient;
  publicClient: PublicClient;
  /** Extra accounts given the registry's OPERATOR_ROLE (the deployer always keeps it). */
  operators?: readonly Address[];
  /**
   * The Foundation: an address of its own (its multisig), never the operator's hot key. Default: the deployer, on
   * the dev chain (31337) only — elsewhere it is required and must differ from the deployer.
   */
  foundation?: Address;
  /** Platform fee in basis points (≤ 1000). Default 500. */
  feeBps?: number;
  /** Royalty share passed to parent assets in basis points (≤ 5000). Default 2000. */
  royaltyBps?: number;
  /** ERC-20 currencies the revenue pool accepts besides ETH (at most 7). */
  currencies?: readonly Address[];
  governance?: Partial<CaravanGovernanceConfig>;
  tokenAllocation?: Partial<CaravanTokenAllocation>;
  /** Move the registry admin role and the pool ownership to the timelock. Default true. */
  handOver?: boolean;
  /** Dev chains: also deploy a {@link testStablecoinAbi TestStablecoin} owned by the deployer and list it. Default false. */
  testStablecoin?: boolean;
};

/** A deployment step failed (reverted, produced no contract, or landed at an unexpected address). */
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

const DAY = 86_400n;

/** Anvil's chain id: the only chain where the deployer may double as the Foundation (tests). */
const DEV_CHAIN_ID = 31_337;

/** Dev-chain defaults for {@link CaravanGovernanceConfig}. */
export const defaultGovernanceConfig: CaravanGovernanceConfig = {
  votingDelay: 1,
  votingPeriod: 20,
  proposalThreshold: 0n,
  quorumPercent: 4,
  receiptVoteBps: 3_000,
  timelockDelay: 3_600n,
  guardianDuration: 90n * DAY,
  minTransitionDuration: 90n * DAY,
  sunsetDuration: 365n * DAY,
  vestingDuration: 730n * DAY,
};

/** Default initial token supply split. */
export const defaultTokenAllocation: CaravanTokenAllocation = {
  treasury: parseEther('500000'),
  foundationVesting: parseEther('200000'),
  deployer: parseEther('300000'),
};

type Ctx = {
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  publicClient: PublicClient;
  lastBlock: bigint;
};

async function deploy(
  ctx: Ctx,
  step: string,
  abi: Abi,
  bytecode: Hex,
  args: readonly unknown[],
  expected?: Address,
): Promise<Address> {
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
  const address = getAddress(receipt.contractAddress);
  if (expected && address !== expected) {
    throw new DeployCaravanError(
      `${step} landed at ${address}, not at the predicted ${expected}: was the deployer account used concurrently?`,
      step,
    );
  }
  return address;
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
  const foundation = params.foundation ? getAddress(params.foundation) : deployer;
  const gov = { ...defaultGovernanceConfig, ...params.governance };
  const allocation = { ...defaultTokenAllocation, ...params.tokenAllocation };
  const chainId = await publicClient.getChainId();
  // The Foundation schedules treasury operations; the operator's key is loaded by every sending process.
  if (foundation === deployer && chainId !== DEV_CHAIN_ID)
    throw new DeployCaravanError(
      `the Foundation must be an address of its own on chain ${chainId}, not the deploying operator ${deployer}`,
      'foundation',
    );
  const now = (await publicClient.getBlock()).timestamp;

  const assetRegistry = await deploy(ctx, 'AssetRegistry', assetRegistryAbi, assetRegistryBytecode, [deployer]);
  const receipts = await deploy(ctx, 'Receipts', receiptsAbi, receiptsBytecode, [assetRegistry]);

  // The token, timelock, charter, governor and vesting refer to each other: predict their CREATE addresses.
  const base = await publicClient.getTransactionCount({ address: deployer, blockTag: 'pending' });
  const at = (offset: number) => getContractAddress({ from: deployer, nonce: BigInt(base + offset) });
  const predicted = {
    token: at(0),
    timelock: at(1),
    handoverCharter: at(2),
    governor: at(3),
    foundationVesting: at(4),
  };

  const token = await deploy(
    ctx,
    'CaravanToken',
    caravanTokenAbi,
    caravanTokenBytecode,
    [
      [predicted.timelock, predicted.foundationVesting, deployer],
      [allocation.treasury, allocation.foundationVesting, allocation.deployer],
    ],
    predicted.token,
  );
  const timelock = await deploy(
    ctx,
    'CaravanTimelock',
    caravanTimelockAbi,
    caravanTimelockBytecode,
    [gov.timelockDelay, [predicted.handoverCharter], ['0x0000000000000000000000000000000000000000']],
    predicted.timelock,
  );
  const handoverCharter = await deploy(
    ctx,
    'HandoverCharter',
    handoverCharterAbi,
    handoverCharterBytecode,
    [
      timelock,
      predicted.governor,
      foundation,
      gov.transitionNotBefore ?? now + 30n * DAY,
      gov.guardianDuration,
      gov.minTransitionDuration,
      gov.sunsetDuration,
    ],
    predicted.handoverCharter,
  );
  const governor = await deploy(
    ctx,
    'CaravanGovernor',
    caravanGovernorAbi,
    caravanGovernorBytecode,
    [
      token,
      receipts,
      timelock,
      handoverCharter,
      {
        votingDelay: gov.votingDelay,
        votingPeriod: gov.votingPeriod,
        proposalThreshold: gov.proposalThreshold,
        quorumPercent: BigInt(gov.quorumPercent),
        receiptVoteBps: BigInt(gov.receiptVoteBps),
      },
    ],
    predicted.governor,
  );
  const foundationVesting = await deploy(
    ctx,
    'FoundationVesting',
    foundationVestingAbi,
    foundationVestingBytecode,
    [foundation, timelock, now, gov.vestingDuration],
    predicted.foundationVesting,
  );
  const revenuePool = await deploy(ctx, 'RevenuePool', revenuePoolAbi, revenuePoolBytecode, [
    assetRegistry,
    receipts,
    deployer,
    timelock,
    BigInt(params.feeBps ?? 500),
    BigInt(params.royaltyBps ?? 2_000),
  ]);
  const licenses = await deploy(ctx, 'Licenses', licensesAbi, licensesBytecode, [assetRegistry, revenuePool]);

  await call(ctx, 'Receipts.setShareObserver', receipts, receiptsAbi, 'setShareObserver', [revenuePool]);
  const testStablecoin = params.testStablecoin
    ? await deploy(ctx, 'TestStablecoin', testStablecoinAbi, testStablecoinBytecode, [deployer])
    : undefined;
  for (const currency of [...(testStablecoin ? [testStablecoin] : []), ...(params.currencies ?? [])]) {
    await call(ctx, `RevenuePool.setCurrency(${currency})`, revenuePool, revenuePoolAbi, 'setCurrency', [currency, true]);
  }
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
  if (params.handOver ?? true) {
    const adminRole = await publicClient.readContract({
      address: assetRegistry,
      abi: assetRegistryAbi,
      functionName: 'DEFAULT_ADMIN_ROLE',
    });
    await call(ctx, 'RevenuePool.transferOwnership', revenuePool, revenuePoolAbi, 'transferOwnership', [timelock]);
    await call(ctx, 'AssetRegistry: admin to timelock', assetRegistry, assetRegistryAbi, 'grantRole', [adminRole, timelock]);
    await call(ctx, 'AssetRegistry: deployer renounces admin', assetRegistry, assetRegistryAbi, 'renounceRole', [
      adminRole,
      deployer,
    ]);
  }

  return {
    chainId,
    blockNumber: ctx.lastBlock,
    deployer,
    foundation,
    addresses: {
      assetRegistry,
      receipts,
      revenuePool,
      licenses,
      token,
      timelock,
      handoverCharter,
      governor,
      foundationVesting,
      ...(testStablecoin ? { testStablecoin } : {}),
    },
  };
}
