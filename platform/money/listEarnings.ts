import { eq } from 'drizzle-orm';
import type { Address } from 'viem';
import { receiptsAbi, revenuePoolAbi } from '../../contracts/bindings/index.ts';
import { assets, assistants, datasets, receipts, users } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { findCurrency, type Currency } from './currencies.ts';
import type { MoneyDeps } from './types.ts';

export type EarningLine = {
  chainAssetId: bigint;
  /** The asset as people know it: the dataset or assistant name. */
  name: string;
  kind: 'dataset' | 'assistant' | 'model';
  holder: Address;
  currency: Currency;
  /** Claimable now, read from `RevenuePool.claimable`. */
  claimable: bigint;
  /** The holder's shares of the asset and the total, read from `Receipts`. */
  shares: bigint;
  totalShares: bigint;
};

/**
 * What the user can claim now, per asset they hold receipts of and per currency the asset was paid in,
 * read from the chain (`currenciesOf`, `claimable`, `sharesOf`, `totalShares`) for each of their
 * addresses (custodial and linked wallet). Lines with nothing to claim are kept when the asset has been
 * paid, so people see their share even after claiming.
 */
export async function listEarnings(deps: MoneyDeps, userId: number): Promise<EarningLine[]> {
  const { db, chain } = deps;
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  if (!user) throw new NotFoundError(`User ${userId} does not exist.`);
  const held = await db
    .selectDistinct({ chainAssetId: assets.chainAssetId, kind: assets.kind, dataset: datasets.name, assistant: assistants.name })
    .from(receipts)
    .innerJoin(assets, eq(assets.id, receipts.assetId))
    .leftJoin(datasets, eq(datasets.id, assets.datasetId))
    .leftJoin(assistants, eq(assistants.id, assets.assistantId))
    .where(eq(receipts.userId, userId));
  const holders = [user.custodialAddress, ...(user.walletAddress ? [user.walletAddress] : [])] as Address[];
  const pool = chain.addresses.revenuePool!;
  const receiptsAddress = chain.addresses.receipts;
  const lines: EarningLine[] = [];
  for (const asset of held) {
    const tokens = await chain.publicClient.readContract({ address: pool, abi: revenuePoolAbi, functionName: 'currenciesOf', args: [asset.chainAssetId] });
    if (!tokens.length) continue;
    const totalShares = await chain.publicClient.readContract({ address: receiptsAddress, abi: receiptsAbi, functionName: 'totalShares', args: [asset.chainAssetId] });
    for (const holder of holders) {
      const shares = await chain.publicClient.readContract({ address: receiptsAddress, abi: receiptsAbi, functionName: 'sharesOf', args: [asset.chainAssetId, holder] });
      for (const token of tokens) {
        const claimable = await chain.publicClient.readContract({ address: pool, abi: revenuePoolAbi, functionName: 'claimable', args: [asset.chainAssetId, token, holder] });
        if (shares === 0n && claimable === 0n) continue;
        lines.push({
          chainAssetId: asset.chainAssetId,
          name: asset.dataset ?? asset.assistant ?? `asset #${asset.chainAssetId}`,
          kind: asset.kind,
          holder,
          currency: findCurrency(deps.currencies, token) ?? { symbol: 'units', address: token, decimals: 0 },
          claimable,
          shares,
          totalShares,
        });
      }
    }
  }
  return lines;
}

