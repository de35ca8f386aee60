import { encodeFunctionData, type Address } from 'viem';
import { revenuePoolAbi } from '../../contracts/bindings/index.ts';
import { InputError } from '../errors.ts';
import { createWalletTxLink, type WalletCall } from '../wallets/createWalletTxLink.ts';
import { formatAmount } from './currencies.ts';
import type { EarningLine } from './listEarnings.ts';
import type { MoneyDeps } from './types.ts';

/**
 * A one-time page where the user's linked wallet claims what its receipts earned
 * (`RevenuePool.claimMany`, one call per currency): the platform cannot sign for that wallet.
 */
export async function walletClaimLink(
  deps: MoneyDeps,
  params: { userId: number; wallet: Address; lines: EarningLine[] },
): Promise<{ url: string; expiresAt: Date }> {
  const mine = params.lines.filter((l) => l.holder.toLowerCase() === params.wallet.toLowerCase() && l.claimable > 0n);
  if (!mine.length) throw new InputError('Your wallet has nothing to claim.');
  const byToken = new Map<Address, { lines: EarningLine[] }>();
  for (const l of mine) byToken.set(l.currency.address, { lines: [...(byToken.get(l.currency.address)?.lines ?? []), l] });
  const calls: WalletCall[] = [...byToken.entries()].map(([token, { lines }]) => ({
    to: deps.chain.addresses.revenuePool!,
    data: encodeFunctionData({ abi: revenuePoolAbi, functionName: 'claimMany', args: [lines.map((l) => l.chainAssetId), token] }),
    value: 0n,
    label: `Claim ${formatAmount(
      lines.reduce((s, l) => s + l.claimable, 0n),
      lines[0]!.currency,
    )} from ${lines.map((l) => l.name).join(', ')}`,
  }));
  return createWalletTxLink(deps, { userId: params.userId, title: 'Claim your earnings', calls, ttlMs: 15 * 60_000 });
}
