import { eq, sql } from 'drizzle-orm';
import { licenses } from '../db/schema.ts';
import { findAddressOwner } from './findAddressOwner.ts';
import type { Tx } from './types.ts';

export type SetLicenseHolderParameters = {
  /** The license's id on the chain (`licenses.chainLicenseId`). */
  licenseId: bigint;
  /** The address that holds it now. */
  holder: string;
};

/**
 * Gives the `licenses` row of a license to its holder: `holderAddress`, and `userId` to the user
 * owning that address (custodial or linked wallet; `null` when no user owns it), which is who the
 * chat lets use it. A row that changes user forgets its expiry reminder: the new user was not told.
 * Does nothing when the license has no row (terms unknown off-chain).
 */
export async function setLicenseHolder(tx: Tx, params: SetLicenseHolderParameters): Promise<void> {
  const userId = await findAddressOwner(tx, params.holder);
  await tx
    .update(licenses)
    .set({
      holderAddress: params.holder,
      userId,
      reminderSentAt: sql`case when ${licenses.userId} is not distinct from ${userId}::integer then ${licenses.reminderSentAt} end`,
    })
    .where(eq(licenses.chainLicenseId, params.licenseId));
}
