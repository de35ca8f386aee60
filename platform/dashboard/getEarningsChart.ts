import { eq } from 'drizzle-orm';
import type { ChainDeps } from '../chain/clients.ts';
import type { Db } from '../db/client.ts';
import { users } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import type { Currency } from '../money/currencies.ts';
import { listEarningsHistory, type EarningsSeries } from './listEarningsHistory.ts';
import { renderEarningsChart } from './renderEarningsChart.ts';

/**
 * The user's earnings over time as a PNG: cumulative earnings per currency by day, from the indexed
 * earnings of their custodial address and linked wallet (an empty-state picture when there are none).
 *
 * @throws NotFoundError when the user does not exist.
 */
export async function getEarningsChart(
  deps: { db: Db; chain: Pick<ChainDeps, 'chainId'>; currencies: readonly Currency[] },
  userId: number,
): Promise<{ png: Uint8Array; series: EarningsSeries[] }> {
  const [user] = await deps.db.select({ custodial: users.custodialAddress, wallet: users.walletAddress }).from(users).where(eq(users.id, userId));
  if (!user) throw new NotFoundError(`User ${userId} does not exist.`);
  const series = await listEarningsHistory(deps, { addresses: [user.custodial, ...(user.wallet ? [user.wallet] : [])] });
  return { png: renderEarningsChart(series), series };
}
