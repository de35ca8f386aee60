/**
 * bench:contracts — gas of Caravan's contracts on a real anvil, measured in one run, next to two baselines for
 * paying N holders: OpenZeppelin 4.9's PaymentSplitter (pull, per-payee accounting) and a plain O(n) push split.
 *
 * Prints the gas of single operations (receipt mint, license purchase and renewal, deposit, claim), then for
 * N = 10, 100, 1000 holders of one share each: the gas to distribute one payment and for the holders to be paid,
 * then two closing lines:
 *   claim gas N=1000 / N=10: X                                   (goal ≤ 1.05: claims are O(1))
 *   distribution gas per holder vs push split at N=1000: Y       (goal ≤ 0.01)
 *
 * Usage: npm run bench:contracts [-- --sizes 10,100,1000]
 */
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  keccak256,
  parseEther,
  toHex,
  zeroAddress,
  type Abi,
  type Address,
  type Hash,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
} from 'viem';
import { privateKeyToAccount, type LocalAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { assetRegistryAbi, licensesAbi, receiptsAbi, revenuePoolAbi } from '../contracts/bindings/index.ts';
import { deployCaravan } from '../contracts/script/deploy.ts';
import { startAnvil } from '../platform/infra/anvil.ts';
import { startWatchdog } from '../platform/infra/watchdog.ts';
import { compileBaselines } from './contracts/compile.ts';

const ANVIL_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const PAYMENT = parseEther('1');
/**
 * Explicit gas limits (gasUsed, which is what is measured, does not depend on them). Estimates are not used: they
 * run against the latest block, where a vote checkpoint for the same block is updated in place, while the mined
 * transaction lands in the next block and pushes a new checkpoint, which costs more.
 */
const SEND_GAS = 5_000_000n;
const BIG_GAS = 900_000_000n;
const CLAIM_CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);

type Row = {
  n: number;
  caravanDistribute: bigint;
  caravanNextDistribute: bigint;
  caravanClaimAvg: bigint;
  caravanTotal: bigint;
  splitterDistribute: bigint;
  splitterReleaseAvg: bigint;
  splitterTotal: bigint;
  pushDistribute: bigint;
};

function parseSizes(argv: readonly string[]): number[] {
  const i = argv.indexOf('--sizes');
  const raw = i >= 0 ? argv[i + 1] : undefined;
  return raw ? raw.split(',').map((s) => Number.parseInt(s, 10)) : [10, 100, 1000];
}

/** Runs `tasks` with at most `limit` in flight, keeping order. */
async function pool<T>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<void>) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index] as T, index);
    }
  });
  await Promise.all(workers);
}

/** A deterministic holder account for row `n`, index `i`, signing locally. */
function holderAccount(n: number, i: number): LocalAccount {
  return privateKeyToAccount(keccak256(toHex(`caravan-bench-holder-${n}-${i}`)));
}

async function main(): Promise<void> {
  const sizes = parseSizes(process.argv.slice(2));
  process.stdout.write('compiling baselines (OpenZeppelin 4.9 PaymentSplitter, O(n) push split)…\n');
  const baselines = compileBaselines();
  // Under a watchdog: a bench stopped with Ctrl-C leaves no anvil behind.
  const watchdog = startWatchdog();
  const anvil = await startAnvil({ watchdog, args: ['--gas-limit', '1000000000', '--code-size-limit', '1000000', '--prune-history', '64'] });
  try {
    const transport = http(anvil.rpcUrl, { batch: false });
    const publicClient: PublicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 20 });
    const deployerAccount = privateKeyToAccount(ANVIL_KEY);
    const deployerClient = createWalletClient({ chain: foundry, transport, account: deployerAccount });
    const rpcClient = createWalletClient({ chain: foundry, transport });
    const testClient = createTestClient({ chain: foundry, transport, mode: 'anvil' });
    const operator = deployerAccount.address;

    const mined = async (hash: Hash): Promise<TransactionReceipt> => {
      // anvil mines on arrival, so the receipt is normally there at once; poll only if it is not.
      const receipt = await publicClient
        .getTransactionReceipt({ hash })
        .catch(() => publicClient.waitForTransactionReceipt({ hash, pollingInterval: 10 }));
      if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`);
      return receipt;
    };
    const send = async (
      from: Address | LocalAccount,
      to: Address,
      abi: Abi,
      functionName: string,
      args: readonly unknown[],
      value?: bigint,
      gas: bigint = SEND_GAS,
      nonce?: number,
    ): Promise<TransactionReceipt> =>
      mined(
        await rpcClient.writeContract({
          account: from,
          nonce,
          address: to,
          abi,
          functionName,
          args,
          value,
          gas,
          chain: foundry,
        } as Parameters<typeof rpcClient.writeContract>[0]),
      );
    const deploy = async (abi: Abi, bytecode: Hex, args: readonly unknown[]) => {
      const receipt = await mined(
        await deployerClient.deployContract({ abi, bytecode, args, gas: BIG_GAS } as Parameters<typeof deployerClient.deployContract>[0]),
      );
      if (!receipt.contractAddress) throw new Error('no contract address');
      return receipt.contractAddress;
    };

    process.stdout.write('deploying Caravan…\n');
    const { addresses } = await deployCaravan({ walletClient: deployerClient, publicClient, handOver: false });
    let hashNonce = 0;
    const registerAsset = async (kind: number, parents: readonly { assetId: bigint; relation: number }[]) => {
      const contentHash = keccak256(toHex(`bench-asset-${++hashNonce}`));
      const receipt = await send(operator, addresses.assetRegistry, assetRegistryAbi, 'registerAsset', [
        kind,
        contentHash,
        'ipfs://bench',
        operator,
        parents,
      ]);
      const assetId = await publicClient.readContract({
        address: addresses.assetRegistry,
        abi: assetRegistryAbi,
        functionName: 'assetIdByHash',
        args: [contentHash],
      });
      return { assetId, gas: receipt.gasUsed };
    };
    const fund = (address: Address) => testClient.setBalance({ address, value: parseEther('10') });

    // ------------------------------------------------------------------ single operations
    const single: [string, bigint][] = [];
    const dataset = await registerAsset(0, []);
    single.push(['asset registration (dataset, no parents)', dataset.gas]);
    const first = holderAccount(0, 0);
    await fund(first.address);
    single.push([
      'receipt mint (new holder)',
      (await send(operator, addresses.receipts, receiptsAbi, 'issue', [first.address, dataset.assetId, 10n])).gasUsed,
    ]);
    single.push([
      'receipt mint (existing holder)',
      (await send(operator, addresses.receipts, receiptsAbi, 'issue', [first.address, dataset.assetId, 5n])).gasUsed,
    ]);
    const second = await registerAsset(0, []);
    const model = await registerAsset(1, [
      { assetId: dataset.assetId, relation: 0 },
      { assetId: second.assetId, relation: 0 },
    ]);
    single.push(['asset registration (model, 2 parents)', model.gas]);
    await send(operator, addresses.receipts, receiptsAbi, 'issue', [first.address, model.assetId, 1n]);
    await send(operator, addresses.licenses, licensesAbi, 'createTerms', [
      model.assetId,
      0,
      parseEther('0.01'),
      zeroAddress,
      30n * 86_400n,
      0n,
    ]);
    const termsId = await publicClient.readContract({
      address: addresses.licenses,
      abi: licensesAbi,
      functionName: 'termsCount',
    });
    const buyer = holderAccount(0, 1);
    await fund(buyer.address);
    single.push([
      'license purchase (first, ETH, model with 2 parents)',
      (await send(buyer, addresses.licenses, licensesAbi, 'purchase', [termsId, buyer.address, parseEther('0.01')], parseEther('0.01')))
        .gasUsed,
    ]);
    const licenseId = await publicClient.readContract({
      address: addresses.licenses,
      abi: licensesAbi,
      functionName: 'licenseCount',
    });
    single.push([
      'license renewal',
      (await send(buyer, addresses.licenses, licensesAbi, 'renew', [licenseId, parseEther('0.01')], parseEther('0.01')))
        .gasUsed,
    ]);
    single.push([
      'deposit (asset without parents)',
      (await send(operator, addresses.revenuePool, revenuePoolAbi, 'deposit', [dataset.assetId, zeroAddress, PAYMENT], PAYMENT))
        .gasUsed,
    ]);
    single.push([
      'deposit (asset with 2 parents: royalties)',
      (await send(operator, addresses.revenuePool, revenuePoolAbi, 'deposit', [model.assetId, zeroAddress, PAYMENT], PAYMENT))
        .gasUsed,
    ]);
    single.push([
      'claim',
      (await send(first, addresses.revenuePool, revenuePoolAbi, 'claim', [dataset.assetId, zeroAddress])).gasUsed,
    ]);

    // ------------------------------------------------------------------ N holders
    const rows: Row[] = [];
    for (const n of sizes) {
      const started = Date.now();
      process.stdout.write(`N=${n}: issuing receipts, deploying baselines, distributing, claiming…`);
      const accounts = Array.from({ length: n }, (_, i) => holderAccount(n, i));
      const holders = accounts.map((a) => a.address);
      await pool(holders, 64, async (holder) => {
        await fund(holder);
      });
      const asset = await registerAsset(0, []);
      // One sender, many transactions: number them ourselves and let anvil mine them in order.
      const firstNonce = await publicClient.getTransactionCount({ address: operator, blockTag: 'pending' });
      const issued: Hash[] = new Array<Hash>(n);
      await pool(holders, 64, async (holder, i) => {
        issued[i] = await deployerClient.writeContract({
          address: addresses.receipts,
          abi: receiptsAbi,
          functionName: 'issue',
          args: [holder, asset.assetId, 1n],
          nonce: firstNonce + i,
          gas: SEND_GAS,
        });
      });
      await pool(issued, 64, async (hash) => {
        await mined(hash);
      });
      const ones = holders.map(() => 1n);
      const splitter = await deploy(baselines.paymentSplitter.abi, baselines.paymentSplitter.bytecode, [holders, ones]);
      const push = await deploy(baselines.pushSplitter.abi, baselines.pushSplitter.bytecode, [holders, ones]);

      const caravanDistribute = (
        await send(operator, addresses.revenuePool, revenuePoolAbi, 'deposit', [asset.assetId, zeroAddress, PAYMENT], PAYMENT)
      ).gasUsed;
      const splitterDistribute = (await mined(await rpcClient.sendTransaction({ account: operator, to: splitter, value: PAYMENT, gas: SEND_GAS, chain: foundry })))
        .gasUsed;
      const pushDistribute = (await send(operator, push, baselines.pushSplitter.abi, 'distribute', [], PAYMENT, BIG_GAS)).gasUsed;

      let caravanTotal = 0n;
      let splitterTotal = 0n;
      await pool(accounts, CLAIM_CONCURRENCY, async (holder) => {
        const claimed = await send(holder, addresses.revenuePool, revenuePoolAbi, 'claim', [asset.assetId, zeroAddress], undefined, SEND_GAS, 0);
        const released = await send(holder, splitter, baselines.paymentSplitter.abi, 'release', [holder.address], undefined, SEND_GAS, 1);
        caravanTotal += claimed.gasUsed;
        splitterTotal += released.gasUsed;
      });
      const caravanNextDistribute = (
        await send(operator, addresses.revenuePool, revenuePoolAbi, 'deposit', [asset.assetId, zeroAddress, PAYMENT], PAYMENT)
      ).gasUsed;
      const paid = await publicClient.readContract({
        address: addresses.revenuePool,
        abi: revenuePoolAbi,
        functionName: 'poolOf',
        args: [asset.assetId, zeroAddress],
      });
      if (paid.totalClaimed < ((PAYMENT * 95n) / 100n / BigInt(n)) * BigInt(n)) {
        throw new Error(`N=${n}: holders were not all paid (${paid.totalClaimed} of ${paid.totalReceived})`);
      }
      process.stdout.write(` ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      rows.push({
        n,
        caravanDistribute,
        caravanNextDistribute,
        caravanClaimAvg: caravanTotal / BigInt(n),
        caravanTotal: caravanDistribute + caravanTotal,
        splitterDistribute,
        splitterReleaseAvg: splitterTotal / BigInt(n),
        splitterTotal: splitterDistribute + splitterTotal,
        pushDistribute,
      });
    }

    // ------------------------------------------------------------------ report
    const fmt = (v: bigint | number) => v.toLocaleString('en-US');
    process.stdout.write('\nSingle operations (gas used, including the 21,000 base cost)\n');
    const width = Math.max(...single.map(([name]) => name.length));
    for (const [name, gas] of single) process.stdout.write(`  ${name.padEnd(width)}  ${fmt(gas).padStart(10)}\n`);

    process.stdout.write(
      '\nPaying N holders of one share each one payment of 1 ETH (gas used). "distribute" is the payment transaction\n' +
        "(Caravan: the first deposit into the asset's pool, which creates its storage; \"next payment\": a later one);\n" +
        '"claim/holder" and "release/holder" are each holder\'s own transaction to be paid; the push split pays all\n' +
        'holders inside the payment transaction.\n',
    );
    const header = [
      'N',
      'Caravan distribute',
      'Caravan next payment',
      'Caravan claim/holder',
      'Caravan total',
      'PaymentSplitter distribute',
      'PaymentSplitter release/holder',
      'PaymentSplitter total',
      'push split (total)',
      'push/holder',
      'Caravan distribute/holder',
    ];
    const table = rows.map((r) => [
      fmt(r.n),
      fmt(r.caravanDistribute),
      fmt(r.caravanNextDistribute),
      fmt(r.caravanClaimAvg),
      fmt(r.caravanTotal),
      fmt(r.splitterDistribute),
      fmt(r.splitterReleaseAvg),
      fmt(r.splitterTotal),
      fmt(r.pushDistribute),
      fmt(r.pushDistribute / BigInt(r.n)),
      fmt(r.caravanDistribute / BigInt(r.n)),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] ?? '').length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i] ?? 0)).join(' | ')} |\n`;
    process.stdout.write(line(header));
    process.stdout.write(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n`);
    for (const row of table) process.stdout.write(line(row));

    const small = rows.find((r) => r.n === 10);
    const large = rows.find((r) => r.n === 1000);
    process.stdout.write('\n');
    if (small && large) {
      const claimRatio = Number(large.caravanClaimAvg) / Number(small.caravanClaimAvg);
      // Per holder, both sides divide by N: the ratio is the distribution transaction's gas against the push split's.
      const distributionRatio = Number(large.caravanDistribute) / Number(large.pushDistribute);
      process.stdout.write(`claim gas N=1000 / N=10: ${claimRatio.toFixed(4)}\n`);
      process.stdout.write(`distribution gas per holder vs push split at N=1000: ${distributionRatio.toFixed(4)}\n`);
    } else {
      process.stdout.write('(run with sizes including 10 and 1000 for the closing ratios)\n');
    }
  } finally {
    await anvil.stop();
    await watchdog.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
