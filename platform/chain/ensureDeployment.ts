import { eq } from 'drizzle-orm';
import { getAddress, type Address } from 'viem';
import { deployCaravan, type CaravanAddresses, type CaravanGovernanceConfig } from '../../contracts/script/deploy.ts';
import type { Db } from '../db/client.ts';
import { deployments } from '../db/schema.ts';
import { ConfigError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ContractAddresses } from './clients.ts';
import type { connectChain } from './clients.ts';

type Connected = Awaited<ReturnType<typeof connectChain>>;

/** Anvil's chain id: the only chain with a faucet and a test stablecoin. */
export const DEV_CHAIN_ID = 31337;

/** Every contract `deployCaravan` deploys. */
export const CARAVAN_CONTRACTS = [
  'assetRegistry',
  'receipts',
  'revenuePool',
  'licenses',
  'token',
  'timelock',
  'handoverCharter',
  'governor',
  'foundationVesting',
] as const satisfies ReadonlyArray<keyof CaravanAddresses>;

/** Parameters of {@link ensureDeployment}. */
export type EnsureDeploymentParameters = {
  /** CONTRACT_ADDRESSES (JSON), when set. */
  configured?: string | undefined;
  /** Deploy when no contracts are known for the chain. */
  allowDeploy: boolean;
  /**
   * The Foundation, for a deployment: FOUNDATION_ADDRESS, or the dev stack's generated Foundation key. Required to
   * deploy anywhere but the dev chain (never the operator).
   */
  foundation?: Address | undefined;
  /** Governance settings for a deployment (GOV_*); the rest take the dev defaults. */
  governance?: Partial<CaravanGovernanceConfig> | undefined;
};

/**
 * Returns the contract addresses for this chain: the configured ones, else the ones recorded
 * in the database (if their code is still on the chain), else a fresh deployment recorded
 * for next time. Deploying happens once per chain.
 */
export async function ensureDeployment(
  deps: { db: Db; log: Logger },
  chain: Connected,
  params: EnsureDeploymentParameters,
): Promise<{ addresses: ContractAddresses; deployed: boolean }> {
  if (params.configured) {
    const parsed = JSON.parse(params.configured) as Record<string, string>;
    for (const name of ['assetRegistry', 'receipts'])
      if (!parsed[name]) throw new ConfigError(`CONTRACT_ADDRESSES: missing "${name}".`);
    const addresses = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, getAddress(v)])) as ContractAddresses;
    await assertCode(chain, addresses, 'CONTRACT_ADDRESSES');
    return { addresses, deployed: false };
  }

  const [recorded] = await deps.db.select().from(deployments).where(eq(deployments.chainId, chain.chainId));
  if (recorded) {
    const addresses = recorded.addresses as ContractAddresses;
    if (await hasCode(chain, addresses)) {
      const missing = CARAVAN_CONTRACTS.filter((name) => !addresses[name]);
      // Redeploying would orphan the assets already registered, so an old dev home keeps its set.
      if (missing.length)
        deps.log.warn(
          { chainId: chain.chainId, missing },
          'this chain has an older Caravan deployment without some contracts; start from a fresh CARAVAN_HOME to get them',
        );
      return { addresses, deployed: false };
    }
    deps.log.warn({ chainId: chain.chainId }, 'recorded contracts are gone from the chain (was it reset?); deploying again');
  }
  if (!params.allowDeploy)
    throw new ConfigError(`No Caravan contracts are known on chain ${chain.chainId}.`, {
      metaMessages: ['Run `caravan deploy`, or set CONTRACT_ADDRESSES.'],
    });

  if (!params.foundation && chain.chainId !== DEV_CHAIN_ID)
    throw new ConfigError(`FOUNDATION_ADDRESS: required to deploy on chain ${chain.chainId}.`, {
      metaMessages: ['The Foundation is an address of its own (its multisig), never the operator key.'],
    });
  const deployment = await deployCaravan({
    walletClient: chain.walletClient,
    publicClient: chain.publicClient,
    ...(params.foundation ? { foundation: params.foundation } : {}),
    ...(params.governance ? { governance: params.governance } : {}),
    // Anvil gets a test stablecoin for the faucet; real chains list real tokens (PAYMENT_TOKENS).
    testStablecoin: chain.chainId === DEV_CHAIN_ID,
  });
  const addresses = deployment.addresses as ContractAddresses;
  await deps.db
    .insert(deployments)
    .values({ chainId: chain.chainId, addresses, blockNumber: deployment.blockNumber })
    .onConflictDoUpdate({ target: deployments.chainId, set: { addresses, blockNumber: deployment.blockNumber, createdAt: new Date() } });
  deps.log.info({ chainId: chain.chainId, addresses, foundation: deployment.foundation }, 'contracts deployed');
  return { addresses, deployed: true };
}

async function hasCode(chain: Connected, addresses: Record<string, Address>): Promise<boolean> {
  for (const a of Object.values(addresses)) {
    const code = await chain.publicClient.getCode({ address: a });
    if (!code || code === '0x') return false;
  }
  return true;
}

async function assertCode(chain: Connected, addresses: Record<string, Address>, source: string) {
  if (!(await hasCode(chain, addresses)))
    throw new ConfigError(`${source}: no contract code at one of the addresses on chain ${chain.chainId}.`);
}
