import { startAnvil, type AnvilHandle } from '../../platform/infra/anvil.ts';
import { startWatchdog } from '../../platform/infra/watchdog.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  http,
  keccak256,
  parseEther,
  toHex,
  zeroAddress,
  type Hex,
  type PublicClient,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import {
  assetRegistryAbi,
  caravanGovernorAbi,
  caravanTimelockAbi,
  caravanTokenAbi,
  handoverCharterAbi,
  licensesAbi,
  receiptsAbi,
  revenuePoolAbi,
} from '../bindings/index.ts';
import { deployCaravan, type CaravanDeployment } from './deploy.ts';

/** anvil's first default account. */
const ANVIL_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

describe('deployCaravan', () => {
  const watchdog = startWatchdog();
  let anvil: AnvilHandle | undefined;
  let publicClient: PublicClient;
  let walletClient: WalletClient;
  let deployment: CaravanDeployment;
  const account = privateKeyToAccount(ANVIL_KEY);
  const holder = privateKeyToAccount(keccak256(toHex('caravan deploy test holder'))).address;

  beforeAll(async () => {
    // Its own anvil, under a watchdog: a killed test run leaves no anvil behind.
    anvil = await startAnvil({ watchdog });
    const transport = http(anvil.rpcUrl);
    publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 50 });
    walletClient = createWalletClient({ chain: foundry, transport, account });
    deployment = await deployCaravan({ walletClient, publicClient });
  }, 60_000);

  afterAll(async () => {
    await anvil?.stop();
    await watchdog.close();
  });

  it('deploys every contract and reports where', async () => {
    expect(deployment.chainId).toBe(foundry.id);
    expect(deployment.deployer).toBe(account.address);
    expect(deployment.blockNumber).toBeGreaterThan(0n);
    for (const address of Object.values(deployment.addresses)) {
      expect(address).not.toBe(zeroAddress);
      expect(await publicClient.getCode({ address })).toMatch(/^0x[0-9a-f]{2,}/);
    }
    expect(
      await publicClient.readContract({
        address: deployment.addresses.receipts,
        abi: receiptsAbi,
        functionName: 'registry',
      }),
    ).toBe(deployment.addresses.assetRegistry);
  });

  it('registers an asset and issues a locked receipt', async () => {
    const { assetRegistry, receipts } = deployment.addresses;
    const contentHash = keccak256(toHex('dataset bytes'));
    const { request, result: assetId } = await publicClient.simulateContract({
      account,
      address: assetRegistry,
      abi: assetRegistryAbi,
      functionName: 'registerAsset',
      args: [0, contentHash, 'caravan://datasets/1', holder, []],
    });
    await publicClient.waitForTransactionReceipt({ hash: await walletClient.writeContract(request) });
    expect(assetId).toBe(1n);
    expect(
      await publicClient.readContract({ address: assetRegistry, abi: assetRegistryAbi, functionName: 'assetIdByHash', args: [contentHash] }),
    ).toBe(1n);
    const asset = await publicClient.readContract({
      address: assetRegistry,
      abi: assetRegistryAbi,
      functionName: 'assetOf',
      args: [assetId],
    });
    expect(asset).toMatchObject({ kind: 0, contentHash, owner: holder, uri: 'caravan://datasets/1' });

    const issued = await publicClient.simulateContract({
      account,
      address: receipts,
      abi: receiptsAbi,
      functionName: 'issue',
      args: [holder, assetId, 100n],
    });
    await publicClient.waitForTransactionReceipt({ hash: await walletClient.writeContract(issued.request) });
    const receiptId = issued.result;
    expect(receiptId).toBe(1n);
    expect(await publicClient.readContract({ address: receipts, abi: receiptsAbi, functionName: 'ownerOf', args: [receiptId] })).toBe(holder);
    expect(await publicClient.readContract({ address: receipts, abi: receiptsAbi, functionName: 'locked', args: [receiptId] })).toBe(true);
    expect(
      await publicClient.readContract({ address: receipts, abi: receiptsAbi, functionName: 'receiptInfo', args: [receiptId] }),
    ).toEqual([assetId, 100n]);
    expect(
      await publicClient.readContract({ address: receipts, abi: receiptsAbi, functionName: 'sharesOf', args: [assetId, holder] }),
    ).toBe(100n);
  });

  it('wires governance: the treasury timelock has no admin, the charter gates it, the Foundation starts in charge', async () => {
    const { addresses } = deployment;
    const read = publicClient.readContract.bind(publicClient);
    const adminRole = await read({ address: addresses.timelock, abi: caravanTimelockAbi, functionName: 'DEFAULT_ADMIN_ROLE' });
    const proposerRole = await read({ address: addresses.timelock, abi: caravanTimelockAbi, functionName: 'PROPOSER_ROLE' });
    const executorRole = await read({ address: addresses.timelock, abi: caravanTimelockAbi, functionName: 'EXECUTOR_ROLE' });
    expect(await read({ address: addresses.timelock, abi: caravanTimelockAbi, functionName: 'hasRole', args: [adminRole, account.address] })).toBe(false);
    expect(await read({ address: addresses.timelock, abi: caravanTimelockAbi, functionName: 'hasRole', args: [proposerRole, addresses.handoverCharter] })).toBe(true);
    expect(await read({ address: addresses.timelock, abi: caravanTimelockAbi, functionName: 'hasRole', args: [executorRole, zeroAddress] })).toBe(true);
    expect(await read({ address: addresses.handoverCharter, abi: handoverCharterAbi, functionName: 'phase' })).toBe(0);
    expect(await read({ address: addresses.handoverCharter, abi: handoverCharterAbi, functionName: 'governor' })).toBe(addresses.governor);
    expect(await read({ address: addresses.handoverCharter, abi: handoverCharterAbi, functionName: 'canPropose', args: [deployment.foundation] })).toBe(true);
    expect(await read({ address: addresses.governor, abi: caravanGovernorAbi, functionName: 'timelock' })).toBe(addresses.timelock);
    expect(await read({ address: addresses.revenuePool, abi: revenuePoolAbi, functionName: 'owner' })).toBe(addresses.timelock);
    expect(await read({ address: addresses.revenuePool, abi: revenuePoolAbi, functionName: 'feeRecipient' })).toBe(addresses.timelock);
    expect(await read({ address: addresses.receipts, abi: receiptsAbi, functionName: 'shareObserver' })).toBe(addresses.revenuePool);
    expect(await read({ address: addresses.assetRegistry, abi: assetRegistryAbi, functionName: 'isAdmin', args: [addresses.timelock] })).toBe(true);
    expect(await read({ address: addresses.assetRegistry, abi: assetRegistryAbi, functionName: 'isAdmin', args: [account.address] })).toBe(false);
    expect(await read({ address: addresses.assetRegistry, abi: assetRegistryAbi, functionName: 'isOperator', args: [account.address] })).toBe(true);
    expect(await read({ address: addresses.token, abi: caravanTokenAbi, functionName: 'balanceOf', args: [addresses.foundationVesting] })).toBe(parseEther('200000'));
  });

  it('takes the Foundation and the governance settings it is given; the charter refuses role and ownership changes', async () => {
    const foundation = privateKeyToAccount(keccak256(toHex('caravan deploy test foundation'))).address;
    const custom = await deployCaravan({
      walletClient,
      publicClient,
      foundation,
      governance: { votingDelay: 7, votingPeriod: 50_400, proposalThreshold: parseEther('1000'), quorumPercent: 5, receiptVoteBps: 2_500, timelockDelay: 2n * 86_400n },
    });
    const { addresses } = custom;
    const read = publicClient.readContract.bind(publicClient);
    expect(custom.foundation).toBe(foundation);
    expect(await read({ address: addresses.handoverCharter, abi: handoverCharterAbi, functionName: 'foundation' })).toBe(foundation);
    expect(await read({ address: addresses.handoverCharter, abi: handoverCharterAbi, functionName: 'canPropose', args: [account.address] })).toBe(false);
    expect(await read({ address: addresses.governor, abi: caravanGovernorAbi, functionName: 'votingDelay' })).toBe(7n);
    expect(await read({ address: addresses.governor, abi: caravanGovernorAbi, functionName: 'votingPeriod' })).toBe(50_400n);
    expect(await read({ address: addresses.governor, abi: caravanGovernorAbi, functionName: 'proposalThreshold' })).toBe(parseEther('1000'));
    expect(await read({ address: addresses.governor, abi: caravanGovernorAbi, functionName: 'quorumPercent' })).toBe(5n);
    expect(await read({ address: addresses.governor, abi: caravanGovernorAbi, functionName: 'receiptVoteBps' })).toBe(2_500n);
    expect(await read({ address: addresses.timelock, abi: caravanTimelockAbi, functionName: 'getMinDelay' })).toBe(2n * 86_400n);
    // FOUNDATION phase: the pool's ownership cannot move, the timelock's delay cannot drop; a fee change can pass.
    const ownership = encodeFunctionData({ abi: revenuePoolAbi, functionName: 'transferOwnership', args: [account.address] });
    await expect(
      read({ address: addresses.handoverCharter, abi: handoverCharterAbi, functionName: 'checkCall', args: [addresses.revenuePool, ownership] }),
    ).rejects.toThrow(/HandoverCharterCallNotAllowed/);
    const zeroDelay = encodeFunctionData({ abi: caravanTimelockAbi, functionName: 'updateDelay', args: [0n] });
    await expect(
      read({ address: addresses.handoverCharter, abi: handoverCharterAbi, functionName: 'checkCall', args: [addresses.timelock, zeroDelay] }),
    ).rejects.toThrow(/HandoverCharterCallNotAllowed/);
    const fee = encodeFunctionData({ abi: revenuePoolAbi, functionName: 'setFee', args: [300n] });
    await read({ address: addresses.handoverCharter, abi: handoverCharterAbi, functionName: 'checkCall', args: [addresses.revenuePool, fee] });
  });

  it('refuses the operator as the Foundation on a chain other than the dev chain', async () => {
    const elsewhere = { ...publicClient, getChainId: async () => 8453 } as PublicClient;
    await expect(deployCaravan({ walletClient, publicClient: elsewhere })).rejects.toThrow(/the Foundation must be an address of its own on chain 8453/);
  });

  it('sells a license whose fee the receipt holder can claim', async () => {
    const { addresses } = deployment;
    const mined = async (hash: Hex) => {
      expect((await publicClient.waitForTransactionReceipt({ hash })).status).toBe('success');
    };
    // Asset 1 (registered above, owned by `holder`) gets terms from the operator: 30 days for 0.01 ETH.
    const terms = await publicClient.simulateContract({
      account,
      address: addresses.licenses,
      abi: licensesAbi,
      functionName: 'createTerms',
      args: [1n, 0, parseEther('0.01'), zeroAddress, 30n * 86_400n, 0n],
    });
    await mined(await walletClient.writeContract(terms.request));
    const bought = await publicClient.simulateContract({
      account,
      address: addresses.licenses,
      abi: licensesAbi,
      functionName: 'purchase',
      args: [terms.result, account.address, parseEther('0.01')],
      value: parseEther('0.01'),
    });
    await mined(await walletClient.writeContract(bought.request));
    expect(await publicClient.readContract({ address: addresses.licenses, abi: licensesAbi, functionName: 'isValid', args: [bought.result] })).toBe(true);
    // 5% platform fee, no parents: the single holder of asset 1 earns 95%.
    expect(
      await publicClient.readContract({ address: addresses.revenuePool, abi: revenuePoolAbi, functionName: 'claimable', args: [1n, zeroAddress, holder] }),
    ).toBe(parseEther('0.0095'));
  });
});
