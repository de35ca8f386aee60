import { and, desc, eq, sql } from 'drizzle-orm';
import { zeroAddress } from 'viem';
import { chainEvents } from '../db/schema.ts';
import type { Tx } from './types.ts';

/**
 * Who holds license `licenseId` according to the events recorded for `chainId`: the recipient of its
 * last `Transfer` that is not the mint, else the holder its `LicensePurchased` names.
 * @returns the holder's address, or `undefined` when neither event is recorded
 */
export async function recordedLicenseHolder(tx: Tx, chainId: number, licenseId: bigint): Promise<string | undefined> {
  const id = licenseId.toString();
  const [transfer] = await tx
    .select({ to: sql<string>`${chainEvents.args}->>'to'` })
    .from(chainEvents)
    .where(
      and(
        eq(chainEvents.chainId, chainId),
        eq(chainEvents.name, 'Transfer'),
        eq(chainEvents.contract, 'licenses'),
        sql`${chainEvents.args}->>'tokenId' = ${id}`,
        sql`lower(${chainEvents.args}->>'from') <> ${zeroAddress}`,
      ),
    )
    .orderBy(desc(chainEvents.blockNumber), desc(chainEvents.logIndex))
    .limit(1);
  if (transfer) return transfer.to;
  const [purchase] = await tx
    .select({ holder: sql<string>`${chainEvents.args}->>'holder'` })
    .from(chainEvents)
    .where(
      and(
        eq(chainEvents.chainId, chainId),
        eq(chainEvents.name, 'LicensePurchased'),
        eq(chainEvents.contract, 'licenses'),
        sql`${chainEvents.args}->>'licenseId' = ${id}`,
      ),
    )
    .orderBy(desc(chainEvents.blockNumber), desc(chainEvents.logIndex))
    .limit(1);
  return purchase?.holder;
}
