import { randomUUID } from 'node:crypto';
import { parseEventLogs, type Address } from 'viem';
import { revenuePoolAbi } from '../../contracts/bindings/index.ts';
import { sendOnce } from '../chain/sendOnce.ts';
import { InputError } from '../errors.ts';
import { custodialAccount } from './custodialAccount.ts';
import type { Currency } from './currencies.ts';
import { ensureGas, gasNeeded } from './ensureGas.ts';
import { listEarnings } from './listEarnings.ts';
import type { MoneyDeps } from './types.ts';

export type ClaimResult = {
  /** What was paid, per currency, from the `Claimed` events of the mined transactions. */
  paid: Array<{ currency: Currency; amount: bigint; txHash: `0x${string}` }>;
  /** What the user's linked wallet can claim itself (the platform cannot sign for it). */
  walletClaimable: Array<{ currency: Currency; amount: bigint }>;
};

/**
 * Claims everything the user's custodial address earned, one `RevenuePool.claimMany` per currency,
 * sent by the custodial key with gas paid by the platform. What a linked wallet holds is reported, not
 * claimed: the wallet claims it itself.
 */
export async function claimEarnings(
  deps: MoneyDeps,
  params: { userId: number; requestKey?: string; onSending?: (() => Promise<void>) | undefined },
): Promise<ClaimResult> {
  const lines = await listEarnings(deps, params.userId);
  const account = await custodialAccount(deps, params.userId);
  const custodial = account.address;
  const custodialLines = lines.filter((l) => l.claimable > 0n && l.holder === custodial);
  const wallet = lines.filter((l) => l.claimable > 0n && l.holder !== custodial);
  const walletClaimable = sumBy(wallet);
  if (!custodialLines.length) {
    if (!walletClaimable.length) throw new InputError('Nothing to claim yet. /earnings shows what each of your receipts earned.');
    return { paid: [], walletClaimable };
  }
  const byToken = new Map<Address, { currency: Currency; assetIds: bigint[] }>();
  for (const l of custodialLines) {
    const entry = byToken.get(l.currency.address) ?? { currency: l.currency, assetIds: [] };
    entry.assetIds.push(l.chainAssetId);
    byToken.set(l.currency.address, entry);
  }
  await params.onSending?.();
  await ensureGas(deps, { userId: params.userId, address: custodial, needWei: await gasNeeded(deps, byToken.size) });
  const key = params.requestKey ?? randomUUID();
  const paid: ClaimResult['paid'] = [];
  for (const [token, { currency, assetIds }] of byToken) {
    const receipt = await sendOnce(deps, {
      key: `claim:${key}:${token}`,
      account,
      address: deps.chain.addresses.revenuePool!,
      abi: revenuePoolAbi,
      functionName: 'claimMany',
      args: [assetIds, token],
    });
    const amount = parseEventLogs({ abi: revenuePoolAbi, logs: receipt.logs, eventName: 'Claimed' }).reduce((sum, e) => sum + e.args.amount, 0n);
    paid.push({ currency, amount, txHash: receipt.transactionHash });
  }
  return { paid, walletClaimable };
}

function sumBy(lines: Array<{ currency: Currency; claimable: bigint }>) {
  const out = new Map<string, { currency: Currency; amount: bigint }>();
  for (const l of lines) {
    const e = out.get(l.currency.address) ?? { currency: l.currency, amount: 0n };
    e.amount += l.claimable;
    out.set(l.currency.address, e);
  }
  return [...out.values()];
}
