import { randomUUID } from 'node:crypto';
import type { Address } from 'viem';
import { sendValueOnce } from '../chain/sendOnce.ts';
import { enforce } from '../limits/rateLimiter.ts';
import type { MoneyDeps } from './types.ts';

const DAY_MS = 24 * 3600_000;

/**
 * Makes sure a custodial address can pay the gas of its next transactions: when its ETH is below
 * `needWei`, the platform sends it one top-up. People never need ETH for gas; top-ups are limited
 * per user per day (GAS_TOPUPS_PER_DAY), so a user cannot drain the operator.
 */
export async function ensureGas(deps: MoneyDeps, params: { userId: number; address: Address; needWei: bigint }): Promise<void> {
  const { chain, settings } = deps;
  const balance = await chain.publicClient.getBalance({ address: params.address });
  if (balance >= params.needWei) return;
  await enforce(
    deps.limiter,
    { name: 'gas', limit: settings.gasTopUpsPerDay, windowMs: DAY_MS },
    params.userId,
    (n) => `have the platform pay gas for you ${n} times a day`,
  );
  const value = settings.gasTopUpWei > params.needWei - balance ? settings.gasTopUpWei : params.needWei - balance;
  await sendValueOnce(deps, { key: `gas:${params.userId}:${randomUUID()}`, to: params.address, value });
  deps.log.info({ userId: params.userId, address: params.address, wei: value.toString() }, 'gas top-up sent');
}

/** Gas a custodial address should hold before sending `transactions` transactions (at the current fee). */
export async function gasNeeded(deps: MoneyDeps, transactions: number): Promise<bigint> {
  const fees = await deps.chain.publicClient.estimateFeesPerGas().catch(() => undefined);
  const perGas = fees?.maxFeePerGas ?? (await deps.chain.publicClient.getGasPrice());
  // 300k gas covers an approve plus a purchase, or a claim, with room to spare.
  return perGas * 300_000n * BigInt(transactions);
}
