import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql, TransactionRollbackError } from 'drizzle-orm';
import {
  createWalletClient,
  erc20Abi,
  http,
  keccak256,
  maxUint256,
  parseEther,
  parseEventLogs,
  toHex,
  zeroAddress,
  type Abi,
  type Account,
  type Address,
  type Hash,
} from 'viem';
import { generatePrivateKey, mnemonicToAccount, privateKeyToAccount } from 'viem/accounts';
import { assetRegistryAbi, licensesAbi, receiptsAbi, revenuePoolAbi, testStablecoinAbi } from '../../contracts/bindings/index.ts';
import { deployCaravan } from '../../contracts/script/deploy.ts';
import { createMigratedTestDatabase } from '../../test/helpers/testRuntime.ts';
import { ANVIL_DEV_KEY, connectChain, type ChainDeps } from '../chain/clients.ts';
import type { Database } from '../db/client.ts';
import {
  assistants,
  chainCursor,
  chainEvents,
  chainReceiptHolders,
  deployments,
  earnings,
  licenseTerms,
  licenses,
  users,
} from '../db/schema.ts';
import { startAnvil, type AnvilHandle } from '../infra/anvil.ts';
import { startWatchdog, type Watchdog } from '../infra/watchdog.ts';
import { createLogger } from '../log.ts';
import { applyEvents } from './applyEvents.ts';
import { catchUp } from './catchUp.ts';
import { derivedClaimable } from './derivedClaimable.ts';
import { PRECISION } from './earningsLedger.ts';
import { indexChain } from './indexChain.ts';
import type { IndexerDeps } from './types.ts';

const MNEMONIC = 'test test test test test test test test test test test junk';
const account = (i: number) => mnemonicToAccount(MNEMONIC, { addressIndex: i });
const DAY = 86_400n;
const ETH = zeroAddress;

describe('indexChain', () => {
  let watchdog: Watchdog;
  let anvil: AnvilHandle;
  let database: Database;
  let dropDatabase: () => Promise<void>;
  let chain: ChainDeps;
  let deps: IndexerDeps;
  let deploymentBlock: bigint;
  let usdc: Address;

  // Receipt holders (A has two receipts of the dataset), the address B rebinds to, and buyers.
  const [holderA, holderB, holderC, rebindTarget] = [account(1), account(2), account(3), account(8)];
  const buyers = [account(4), account(5), account(6), account(7)];
  const allHolders = [holderA, holderB, holderC, rebindTarget].map((a) => a.address);
  let datasetId: bigint;
  let assistantId: bigint;
  const terms = { usdcPeriod: 0n, ethApi: 0n, ethPerpetual: 0n };
  let assistantRowId: number;
  const buyerUserIds = new Map<Address, number>();

  const rpc = (method: string, params: unknown[] = []) => chain.publicClient.request({ method: method as never, params: params as never });

  /** Sends a contract call from `from` and waits for it; fails the test if it reverts. */
  async function send(
    from: Account,
    call: { address: Address; abi: Abi; functionName: string; args?: readonly unknown[]; value?: bigint },
  ): Promise<{ hash: Hash; logs: Parameters<typeof parseEventLogs>[0]['logs'] }> {
    const wallet = createWalletClient({ chain: chain.publicClient.chain, transport: http(anvil.rpcUrl), account: from });
    const hash = await wallet.writeContract({ ...call, args: call.args ?? [] } as never);
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    expect(receipt.status).toBe('success');
    return { hash, logs: receipt.logs };
  }
  const operator = () => chain.account;

  async function purchase(buyer: Account, termsId: bigint, to: Address = buyer.address): Promise<{ licenseId: bigint; hash: Hash }> {
    const t = await chain.publicClient.readContract({ address: chain.addresses.licenses!, abi: licensesAbi, functionName: 'termsOf', args: [termsId] });
    const { hash, logs } = await send(buyer, {
      address: chain.addresses.licenses!,
      abi: licensesAbi,
      functionName: 'purchase',
      args: [termsId, to, t.price],
      ...(t.currency === ETH ? { value: t.price } : {}),
    });
    const [event] = parseEventLogs({ abi: licensesAbi, logs, eventName: 'LicensePurchased' });
    return { licenseId: event!.args.licenseId, hash };
  }

  async function renew(payer: Account, licenseId: bigint): Promise<Hash> {
    const info = await chain.publicClient.readContract({ address: chain.addresses.licenses!, abi: licensesAbi, functionName: 'licenseInfo', args: [licenseId] });
    const t = await chain.publicClient.readContract({ address: chain.addresses.licenses!, abi: licensesAbi, functionName: 'termsOf', args: [info.termsId] });
    const { hash } = await send(payer, {
      address: chain.addresses.licenses!,
      abi: licensesAbi,
      functionName: 'renew',
      args: [licenseId, t.price],
      ...(t.currency === ETH ? { value: t.price } : {}),
    });
    return hash;
  }

  const claim = (holder: Account, assetId: bigint, token: Address) =>
    send(holder, { address: chain.addresses.revenuePool!, abi: revenuePoolAbi, functionName: 'claim', args: [assetId, token] });

  async function issue(to: Address, assetId: bigint, shares: bigint): Promise<bigint> {
    const { logs } = await send(operator(), { address: chain.addresses.receipts, abi: receiptsAbi, functionName: 'issue', args: [to, assetId, shares] });
    return parseEventLogs({ abi: receiptsAbi, logs, eventName: 'ReceiptIssued' })[0]!.args.receiptId;
  }

  async function registerAsset(kind: number, name: string, parents: { assetId: bigint; relation: number }[]): Promise<bigint> {
    const { logs } = await send(operator(), {
      address: chain.addresses.assetRegistry,
      abi: assetRegistryAbi,
      functionName: 'registerAsset',
      args: [kind, keccak256(toHex(name)), `caravan://${name}`, operator().address, parents],
    });
    return parseEventLogs({ abi: assetRegistryAbi, logs, eventName: 'AssetRegistered' })[0]!.args.assetId;
  }

  async function createTerms(kind: number, price: bigint, currency: Address, duration: bigint, quota: bigint): Promise<bigint> {
    const { logs } = await send(operator(), {
      address: chain.addresses.licenses!,
      abi: licensesAbi,
      functionName: 'createTerms',
      args: [assistantId, kind, price, currency, duration, quota],
    });
    return parseEventLogs({ abi: licensesAbi, logs, eventName: 'TermsCreated' })[0]!.args.termsId;
  }

  const transfer = (from: Account, to: Address, licenseId: bigint) =>
    send(from, { address: chain.addresses.licenses!, abi: licensesAbi, functionName: 'transferFrom', args: [from.address, to, licenseId] });

  const licenseRow = async (licenseId: bigint) => (await database.db.select().from(licenses).where(eq(licenses.chainLicenseId, licenseId)))[0]!;

  const indexAll = (confirmations = 0, maxBlocks = 7) => catchUp({ ...deps, chain: { ...chain, confirmations } }, { maxBlocks, maxPasses: 1_000 });

  /** Σ of the `Claimed` events on the chain itself (not the indexed tables). */
  async function claimedOnChain(assetId: bigint, token: Address, holder: Address): Promise<bigint> {
    const logs = await chain.publicClient.getContractEvents({
      address: chain.addresses.revenuePool!,
      abi: revenuePoolAbi,
      eventName: 'Claimed',
      args: { assetId, token, holder },
      fromBlock: deploymentBlock,
    });
    return logs.reduce((sum, l) => sum + l.args.amount!, 0n);
  }

  /**
   * For every (asset, token, holder): the claimable balance derived from the tables equals
   * `RevenuePool.claimable`, the scaled sum equals `accruedScaled` to the last wei of the 1e18 scale,
   * and the holder's earnings amounts add up to claimed + claimable.
   */
  async function expectEarningsMatchChain(): Promise<{ claimable: bigint; claimed: bigint }> {
    const derived: Record<string, unknown> = {};
    const onChain: Record<string, unknown> = {};
    let totals = { claimable: 0n, claimed: 0n };
    for (const assetId of [datasetId, assistantId])
      for (const token of [usdc, ETH])
        for (const holder of allHolders) {
          const key = `${assetId}/${token}/${holder}`;
          const claimable = await chain.publicClient.readContract({
            address: chain.addresses.revenuePool!,
            abi: revenuePoolAbi,
            functionName: 'claimable',
            args: [assetId, token, holder],
          });
          const accruedScaled = await chain.publicClient.readContract({
            address: chain.addresses.revenuePool!,
            abi: revenuePoolAbi,
            functionName: 'accruedScaled',
            args: [assetId, token, holder],
          });
          const claimed = await claimedOnChain(assetId, token, holder);
          const d = await derivedClaimable(deps, { assetId, token, holder });
          derived[key] = { claimable: d.claimable, claimed: d.claimed, earned: d.earned, accruedScaled: d.earnedScaled - PRECISION * d.claimed };
          onChain[key] = { claimable, claimed, earned: claimed + claimable, accruedScaled };
          totals = { claimable: totals.claimable + claimable, claimed: totals.claimed + claimed };
        }
    expect(derived).toEqual(onChain);
    return totals;
  }

  /** The indexed receipt holders give every holder the shares `Receipts.sharesOf` says. */
  async function expectHoldersMatchChain(): Promise<void> {
    const rows = await database.db
      .select({ assetId: chainReceiptHolders.assetId, holder: chainReceiptHolders.holder, shares: sql<string>`sum(${chainReceiptHolders.shares})::text` })
      .from(chainReceiptHolders)
      .where(eq(chainReceiptHolders.chainId, chain.chainId))
      .groupBy(chainReceiptHolders.assetId, chainReceiptHolders.holder);
    for (const assetId of [datasetId, assistantId])
      for (const holder of allHolders) {
        const shares = await chain.publicClient.readContract({ address: chain.addresses.receipts, abi: receiptsAbi, functionName: 'sharesOf', args: [assetId, holder] });
        const row = rows.find((r) => r.assetId === assetId && r.holder === holder);
        expect({ assetId, holder, shares: BigInt(row?.shares ?? 0) }).toEqual({ assetId, holder, shares });
      }
  }

  /** Every licenses row of a known purchase has the holder and expiry the chain has now. */
  async function expectLicensesMatchChain(): Promise<void> {
    const rows = await database.db.select().from(licenses);
    for (const row of rows) {
      const expiresAt = await chain.publicClient.readContract({ address: chain.addresses.licenses!, abi: licensesAbi, functionName: 'expiresAt', args: [row.chainLicenseId] });
      const owner = await chain.publicClient.readContract({ address: chain.addresses.licenses!, abi: licensesAbi, functionName: 'ownerOf', args: [row.chainLicenseId] });
      expect({ id: row.chainLicenseId, holder: row.holderAddress, expiresAt: row.expiresAt?.getTime() ?? null }).toEqual({
        id: row.chainLicenseId,
        holder: owner,
        expiresAt: expiresAt >= 2n ** 63n ? null : Number(expiresAt) * 1000,
      });
    }
  }

  const countRows = async () => {
    const [r] = (
      await database.db.execute<{ events: number; earnings: number; licenses: number; holders: number }>(
        sql`select (select count(*)::int from chain_events) events, (select count(*)::int from earnings) earnings,
                   (select count(*)::int from licenses) licenses, (select count(*)::int from chain_receipt_holders) holders`,
      )
    ).rows;
    return r!;
  };

  beforeAll(async () => {
    // A chain of its own: the reorg test reverts it, which the shared anvil's other users must never see.
    watchdog = startWatchdog();
    anvil = await startAnvil({ watchdog });
    ({ database, close: dropDatabase } = await createMigratedTestDatabase());
    const connected = await connectChain({ rpcUrl: anvil.rpcUrl, operatorKey: ANVIL_DEV_KEY });
    const deployment = await deployCaravan({ walletClient: connected.walletClient, publicClient: connected.publicClient, testStablecoin: true });
    chain = { ...connected, addresses: deployment.addresses, confirmations: 0 };
    usdc = deployment.addresses.testStablecoin!;
    deploymentBlock = deployment.blockNumber;
    await database.db.insert(deployments).values({ chainId: chain.chainId, addresses: deployment.addresses, blockNumber: deploymentBlock });
    deps = { db: database.db, chain, log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', pretty: false }) };

    // A dataset and an assistant trained on it; uneven shares, A holding two receipts of the dataset.
    datasetId = await registerAsset(0, 'dataset', []);
    assistantId = await registerAsset(2, 'assistant', [{ assetId: datasetId, relation: 0 }]);
    await issue(holderA.address, datasetId, 5n);
    await issue(holderB.address, datasetId, 3n);
    await issue(holderC.address, datasetId, 1n);
    await issue(holderA.address, datasetId, 2n);
    await issue(holderA.address, assistantId, 1n);
    await issue(holderC.address, assistantId, 6n);

    // Terms: 30 days in the stablecoin and API access in ETH (both offered by the platform), and a
    // perpetual license in ETH sold outside it (unknown off-chain: no licenses rows).
    terms.usdcPeriod = await createTerms(0, 12_345_679n, usdc, 30n * DAY, 0n);
    terms.ethApi = await createTerms(2, parseEther('0.000123456789'), ETH, 30n * DAY, 1_000n);
    terms.ethPerpetual = await createTerms(1, parseEther('0.00777'), ETH, 0n, 0n);
    const [owner] = await database.db.insert(users).values({ custodialAddress: operator().address }).returning();
    const [a] = await database.db
      .insert(assistants)
      .values({ publicId: 'as_indexer', ownerId: owner!.id, name: 'Indexer test', instructions: '-', visibility: 'public', status: 'ready' })
      .returning();
    assistantRowId = a!.id;
    await database.db.insert(licenseTerms).values([
      { assistantId: assistantRowId, kind: 'period', currency: usdc, price: 12_345_679n, durationSeconds: 30 * 86_400, chainTermsId: terms.usdcPeriod },
      { assistantId: assistantRowId, kind: 'api', currency: ETH, price: parseEther('0.000123456789'), durationSeconds: 30 * 86_400, quota: 1_000, chainTermsId: terms.ethApi },
    ]);
    // Three buyers are users: one by custodial address, one by a linked wallet (other case); one is not.
    for (const [i, b] of buyers.slice(0, 3).entries()) {
      const [u] = await database.db
        .insert(users)
        .values(i === 1 ? { custodialAddress: account(9).address, walletAddress: b.address.toLowerCase() } : { custodialAddress: b.address })
        .returning();
      buyerUserIds.set(b.address, u!.id);
    }
    for (const b of buyers) {
      await send(operator(), { address: usdc, abi: testStablecoinAbi, functionName: 'mint', args: [b.address, 1_000_000_000n] });
      await send(b, { address: usdc, abi: erc20Abi, functionName: 'approve', args: [chain.addresses.licenses!, maxUint256] });
    }
  });

  afterAll(async () => {
    await dropDatabase?.();
    await anvil?.stop();
    await watchdog?.close();
  });

  it('derives per-holder earnings equal to RevenuePool.claimable through purchases, renewals, a rebind and claims', async () => {
    const bought: { licenseId: bigint; buyer: Account; known: boolean }[] = [];
    for (const b of buyers) {
      bought.push({ ...(await purchase(b, terms.usdcPeriod)), buyer: b, known: true });
      bought.push({ ...(await purchase(b, terms.ethApi)), buyer: b, known: true });
    }
    // The indexer runs while the chain moves, lagging two blocks behind.
    const lagging = await indexAll(2, 5);
    expect(lagging.caughtUp).toBe(true);
    expect(lagging.events).toBeGreaterThan(0);

    // Shares change while revenue is owed: a new receipt for C, then B moves everything to a new address.
    await issue(holderC.address, assistantId, 4n);
    await purchase(buyers[0]!, terms.usdcPeriod).then((p) => bought.push({ ...p, buyer: buyers[0]!, known: true }));
    const bReceipts = (
      await chain.publicClient.getContractEvents({ address: chain.addresses.receipts, abi: receiptsAbi, eventName: 'ReceiptIssued', args: { holder: holderB.address }, fromBlock: deploymentBlock })
    ).map((l) => l.args.receiptId!);
    const nonce = await chain.publicClient.readContract({ address: chain.addresses.receipts, abi: receiptsAbi, functionName: 'nonces', args: [rebindTarget.address] });
    const deadline = BigInt(Math.floor(Date.now() / 1000) + 3600);
    const signature = await rebindTarget.signTypedData({
      domain: { name: 'Caravan Receipts', version: '1', chainId: chain.chainId, verifyingContract: chain.addresses.receipts },
      types: { Rebind: [{ name: 'from', type: 'address' }, { name: 'to', type: 'address' }, { name: 'nonce', type: 'uint256' }, { name: 'deadline', type: 'uint256' }] },
      primaryType: 'Rebind',
      message: { from: holderB.address, to: rebindTarget.address, nonce, deadline },
    });
    await send(holderB, { address: chain.addresses.receipts, abi: receiptsAbi, functionName: 'rebind', args: [bReceipts, rebindTarget.address, deadline, signature] });
    await claim(holderA, datasetId, usdc);
    await claim(holderA, datasetId, ETH);
    await claim(holderC, assistantId, usdc);
    await claim(holderB, datasetId, usdc); // owed from before the rebind: stays with B

    // More sales: renewals (one paid by someone else), a perpetual license sold outside the platform,
    // a plain deposit, a price change, then claims by the new address.
    for (const { licenseId, buyer } of bought.slice(0, 5)) await renew(buyer, licenseId);
    await renew(buyers[3]!, bought[0]!.licenseId);
    bought.push({ ...(await purchase(buyers[2]!, terms.ethPerpetual)), buyer: buyers[2]!, known: false });
    await send(buyers[3]!, { address: chain.addresses.revenuePool!, abi: revenuePoolAbi, functionName: 'deposit', args: [datasetId, ETH, 987_654_321n], value: 987_654_321n });
    await send(operator(), { address: chain.addresses.licenses!, abi: licensesAbi, functionName: 'setTermsPrice', args: [terms.usdcPeriod, 23_456_789n] });
    for (const b of buyers.slice(1)) bought.push({ ...(await purchase(b, terms.usdcPeriod)), buyer: b, known: true });
    await claim(rebindTarget, datasetId, usdc);
    await claim(rebindTarget, datasetId, ETH);
    await claim(holderA, assistantId, ETH);
    await purchase(buyers[1]!, terms.ethApi).then((p) => bought.push({ ...p, buyer: buyers[1]!, known: true }));

    const run = await indexAll(0, 7);
    expect(run).toMatchObject({ caughtUp: true, reorgs: 0 });
    expect(run.passes).toBeGreaterThan(1);

    const totals = await expectEarningsMatchChain();
    expect(totals.claimable).toBeGreaterThan(0n);
    expect(totals.claimed).toBeGreaterThan(0n);
    await expectHoldersMatchChain();

    // Why each asset was paid.
    const causes = await database.db
      .select({ assetId: earnings.assetId, cause: earnings.cause, n: sql<number>`count(*)::int` })
      .from(earnings)
      .groupBy(earnings.assetId, earnings.cause);
    expect(new Set(causes.map((c) => `${c.assetId}:${c.cause}`))).toEqual(
      new Set([`${assistantId}:license`, `${datasetId}:royalty`, `${datasetId}:deposit`]),
    );

    // Licenses: one row per purchase under known terms, for the right user, expiring when the chain says.
    const rows = await database.db.select().from(licenses);
    expect(rows.map((r) => r.chainLicenseId).sort()).toEqual(bought.filter((b) => b.known).map((b) => b.licenseId).sort());
    for (const row of rows) {
      const b = bought.find((x) => x.licenseId === row.chainLicenseId)!;
      expect(row.userId).toBe(buyerUserIds.get(b.buyer.address) ?? null);
      expect(row.assistantId).toBe(assistantRowId);
    }
    await expectLicensesMatchChain();
    const [usdcTerms] = await database.db.select().from(licenseTerms).where(eq(licenseTerms.chainTermsId, terms.usdcPeriod));
    expect(usdcTerms!.price).toBe(23_456_789n);

    // Indexing the same blocks again records nothing twice and changes nothing.
    const before = await countRows();
    const start = await chain.publicClient.getBlock({ blockNumber: deploymentBlock });
    await database.db.update(chainCursor).set({ blockNumber: deploymentBlock, blockHash: start.hash }).where(eq(chainCursor.chainId, chain.chainId));
    const again = await indexAll(0, 50);
    expect(again).toMatchObject({ caughtUp: true, events: 0, earnings: 0 });
    expect(await countRows()).toEqual(before);
    await expectEarningsMatchChain();
  });

  it('undoes blocks a reorg dropped: events, earnings, holders and licenses follow the new chain', async () => {
    const [first, second] = [buyers[0]!, buyers[1]!];
    const kept = await purchase(first, terms.usdcPeriod);
    expect(await indexAll()).toMatchObject({ caughtUp: true });
    const keptExpiry = (await database.db.select().from(licenses).where(eq(licenses.chainLicenseId, kept.licenseId)))[0]!.expiresAt;
    const price = (await database.db.select().from(licenseTerms).where(eq(licenseTerms.chainTermsId, terms.usdcPeriod)))[0]!.price;

    // Round 1: blocks that disappear, the chain then being shorter than what was indexed.
    const snapshot1 = await rpc('evm_snapshot');
    const dropped1 = await purchase(first, terms.usdcPeriod);
    const renewal = await renew(first, kept.licenseId);
    await issue(holderB.address, assistantId, 9n);
    await send(operator(), { address: chain.addresses.licenses!, abi: licensesAbi, functionName: 'setTermsPrice', args: [terms.usdcPeriod, price + 1n] });
    await indexAll();
    expect(await database.db.select().from(licenses).where(eq(licenses.chainLicenseId, dropped1.licenseId))).toHaveLength(1);
    expect((await database.db.select().from(licenses).where(eq(licenses.chainLicenseId, kept.licenseId)))[0]!.expiresAt).not.toEqual(keptExpiry);
    expect(await database.db.select().from(earnings).where(eq(earnings.txHash, dropped1.hash))).not.toHaveLength(0);
    await expectEarningsMatchChain();

    await rpc('evm_revert', [snapshot1]);
    const undone = await indexChain(deps);
    expect(undone.reorg).not.toBeNull();
    expect(undone.reorg!.removedEvents).toBeGreaterThan(0);
    expect(undone.reorg!.deletedLicenses).toBe(1);
    for (const hash of [dropped1.hash, renewal]) {
      expect(await database.db.select().from(chainEvents).where(eq(chainEvents.txHash, hash))).toHaveLength(0);
      expect(await database.db.select().from(earnings).where(eq(earnings.txHash, hash))).toHaveLength(0);
    }
    expect(await database.db.select().from(licenses).where(eq(licenses.chainLicenseId, dropped1.licenseId))).toHaveLength(0);
    expect((await database.db.select().from(licenses).where(eq(licenses.chainLicenseId, kept.licenseId)))[0]!.expiresAt).toEqual(keptExpiry);
    expect((await database.db.select().from(licenseTerms).where(eq(licenseTerms.chainTermsId, terms.usdcPeriod)))[0]!.price).toBe(price);
    await expectHoldersMatchChain();
    await expectEarningsMatchChain();

    // Round 2: the indexed blocks are replaced by others, at the same heights and beyond.
    const snapshot2 = await rpc('evm_snapshot');
    const dropped2 = await purchase(first, terms.usdcPeriod);
    await renew(second, kept.licenseId);
    await claim(holderC, datasetId, usdc);
    await indexAll();
    const droppedRow = (await database.db.select().from(licenses).where(eq(licenses.chainLicenseId, dropped2.licenseId)))[0]!;
    expect(droppedRow.txHash).toBe(dropped2.hash);
    await rpc('evm_revert', [snapshot2]);
    // The same license id now goes to another buyer, in ETH, and the chain grows past where it was.
    const replacing = await purchase(second, terms.ethApi);
    expect(replacing.licenseId).toBe(dropped2.licenseId);
    await claim(holderA, assistantId, usdc);
    await rpc('anvil_mine', ['0x5']);
    const after = await indexAll();
    expect(after).toMatchObject({ caughtUp: true, reorgs: 1 });

    expect(await database.db.select().from(chainEvents).where(eq(chainEvents.txHash, dropped2.hash))).toHaveLength(0);
    expect(await database.db.select().from(earnings).where(eq(earnings.txHash, dropped2.hash))).toHaveLength(0);
    const replaced = (await database.db.select().from(licenses).where(eq(licenses.chainLicenseId, dropped2.licenseId)))[0]!;
    expect(replaced).toMatchObject({ txHash: replacing.hash, holderAddress: second.address, currency: ETH, kind: 'api', userId: buyerUserIds.get(second.address) });
    await expectLicensesMatchChain();
    await expectHoldersMatchChain();
    await expectEarningsMatchChain();

    // No earning twice, and each belongs to a recorded event of the chain as it is now.
    const [dup] = (
      await database.db.execute<{ n: number }>(
        sql`select count(*)::int n from (select 1 from earnings group by event_id, holder having count(*) > 1) d`,
      )
    ).rows;
    expect(dup!.n).toBe(0);
    const stale = await database.db
      .select({ hash: chainEvents.blockHash, n: chainEvents.blockNumber })
      .from(chainEvents)
      .where(and(eq(chainEvents.chainId, chain.chainId), sql`${chainEvents.blockNumber} > ${deploymentBlock.toString()}::bigint`));
    for (const e of stale) expect((await chain.publicClient.getBlock({ blockNumber: e.n })).hash).toBe(e.hash);
  });

  it('gives a transferred license to the user owning its new holder, and back when a reorg drops the transfer', async () => {
    // Fresh addresses: A and B are users' custodial addresses, C belongs to no user.
    const [a, b, c] = [0, 1, 2].map(() => privateKeyToAccount(generatePrivateKey()));
    const [userA, userB] = await database.db.insert(users).values([{ custodialAddress: a!.address }, { custodialAddress: b!.address }]).returning();
    for (const holder of [a!, b!]) await rpc('anvil_setBalance', [holder.address, toHex(parseEther('1'))]);
    const { licenseId } = await purchase(buyers[3]!, terms.usdcPeriod, a!.address);
    expect(await indexAll()).toMatchObject({ caughtUp: true });
    expect(await licenseRow(licenseId)).toMatchObject({ holderAddress: a!.address, userId: userA!.id });
    await database.db.update(licenses).set({ reminderSentAt: new Date() }).where(eq(licenses.chainLicenseId, licenseId));

    const beforeTransfers = await rpc('evm_snapshot');
    await transfer(a!, b!.address, licenseId);
    expect(await indexAll()).toMatchObject({ caughtUp: true, reorgs: 0 });
    // B's user holds it now (and was not reminded of its expiry yet); A's user no longer does.
    expect(await licenseRow(licenseId)).toMatchObject({ holderAddress: b!.address, userId: userB!.id, reminderSentAt: null });
    expect(await database.db.select().from(licenses).where(eq(licenses.userId, userA!.id))).toHaveLength(0);
    await expectLicensesMatchChain();

    const beforeSecond = await rpc('evm_snapshot');
    await transfer(b!, c!.address, licenseId);
    expect(await indexAll()).toMatchObject({ caughtUp: true, reorgs: 0 });
    expect(await licenseRow(licenseId)).toMatchObject({ holderAddress: c!.address, userId: null });
    await expectLicensesMatchChain();

    // A reorg drops the second transfer: back to B, the recipient of the transfer that remains.
    await rpc('evm_revert', [beforeSecond]);
    await rpc('anvil_mine', ['0x2']);
    expect(await indexAll()).toMatchObject({ caughtUp: true, reorgs: 1 });
    expect(await licenseRow(licenseId)).toMatchObject({ holderAddress: b!.address, userId: userB!.id });
    await expectLicensesMatchChain();

    // Another drops the first: back to A, whom the purchase named.
    await rpc('evm_revert', [beforeTransfers]);
    expect(await indexAll()).toMatchObject({ caughtUp: true, reorgs: 1 });
    expect(await licenseRow(licenseId)).toMatchObject({ holderAddress: a!.address, userId: userA!.id });
    expect(await database.db.select().from(chainEvents).where(and(eq(chainEvents.contract, 'licenses'), eq(chainEvents.name, 'Transfer'), sql`${chainEvents.args}->>'to' = ${b!.address}`))).toHaveLength(0);
    await expectLicensesMatchChain();
  });

  it('gives a license passed on during its mint to the recipient, though LicensePurchased comes after the transfer', async () => {
    // `_safeMint` calls a contract recipient before `LicensePurchased` is emitted; one that forwards the
    // license there leaves Transfer(0 → R), Transfer(R → X), LicensePurchased(holder R) in one transaction.
    // No such recipient is deployed here: the events are recorded as the indexer would, in a transaction
    // rolled back afterwards so that nothing stays of this license that is not on the chain.
    const [recipient, forwardedTo] = [privateKeyToAccount(generatePrivateKey()).address, privateKeyToAccount(generatePrivateKey()).address];
    const licenseId = 2n ** 40n;
    const at = { chainId: chain.chainId, blockNumber: 2n ** 40n, blockHash: keccak256(toHex('forwarding block')), txHash: keccak256(toHex('forwarding tx')), contract: 'licenses' };
    let row: typeof licenses.$inferSelect | undefined;
    let userId: number | undefined;
    await expect(
      database.db.transaction(async (tx) => {
        userId = (await tx.insert(users).values({ custodialAddress: forwardedTo.toLowerCase() }).returning())[0]!.id;
        const stored = await tx
          .insert(chainEvents)
          .values([
            { ...at, logIndex: 0, name: 'Transfer', args: { from: zeroAddress, to: recipient, tokenId: licenseId.toString() } },
            { ...at, logIndex: 1, name: 'Transfer', args: { from: recipient, to: forwardedTo, tokenId: licenseId.toString() } },
            {
              ...at,
              logIndex: 2,
              name: 'LicensePurchased',
              args: { licenseId: licenseId.toString(), termsId: terms.usdcPeriod.toString(), assetId: assistantId.toString(), holder: recipient, payer: recipient, price: '1', expiresAt: '4102444800' },
            },
          ])
          .returning();
        await applyEvents(tx, { chainId: chain.chainId, events: stored, context: stored });
        [row] = await tx.select().from(licenses).where(eq(licenses.chainLicenseId, licenseId));
        tx.rollback();
      }),
    ).rejects.toThrow(TransactionRollbackError);
    expect(row).toMatchObject({ holderAddress: forwardedTo, userId });
    expect(await database.db.select().from(licenses).where(eq(licenses.chainLicenseId, licenseId))).toHaveLength(0);
  });
});
