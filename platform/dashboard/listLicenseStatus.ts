import { licensesAbi } from '../../contracts/bindings/index.ts';
import type { ChainDeps } from '../chain/clients.ts';
import { toChainError } from '../chain/toChainError.ts';
import type { Db } from '../db/client.ts';
import { findCurrency, type Currency } from '../money/currencies.ts';
import { LICENSE_KIND_OF_CHAIN, type LicenseKind } from '../money/licenseKinds.ts';
import { listLicenses, type LicensePage } from '../money/listLicenses.ts';

/** One license of the user as the `Licenses` contract has it now. */
export type LicenseStatus = {
  /** The row id (internal: pages of the list continue after it). */
  id: number;
  chainLicenseId: bigint;
  assistant: { publicId: string; name: string };
  kind: LicenseKind;
  durationSeconds: number;
  quota: number;
  /** Calls of an API license used this period (counted by the platform). */
  callsUsed: number;
  /** Null for a perpetual license. */
  expiresAt: Date | null;
  /** `Licenses.isValid`. */
  valid: boolean;
  pricePaid: bigint;
  currency: Currency;
};

/** `Licenses.PERPETUAL_EXPIRY`: what the contract reports as the expiry of a perpetual license. */
const PERPETUAL_EXPIRY = 2n ** 64n - 1n;

/**
 * The user's licenses, newest first, with expiry, validity and the price paid read from the chain
 * (`Licenses.licenseInfo`, `isValid`), so a renewal shows as soon as it is mined. All of them, or a
 * page (`before` a row id, at most `limit`).
 */
export async function listLicenseStatus(
  deps: { db: Db; chain: ChainDeps; currencies: readonly Currency[] },
  userId: number,
  page: LicensePage = {},
): Promise<LicenseStatus[]> {
  const rows = await listLicenses(deps, userId, page);
  const address = deps.chain.addresses.licenses!;
  try {
    return await Promise.all(
      rows.map(async (r) => {
        const id = r.license.chainLicenseId;
        const [info, valid] = await Promise.all([
          deps.chain.publicClient.readContract({ address, abi: licensesAbi, functionName: 'licenseInfo', args: [id] }),
          deps.chain.publicClient.readContract({ address, abi: licensesAbi, functionName: 'isValid', args: [id] }),
        ]);
        return {
          id: r.license.id,
          chainLicenseId: id,
          assistant: { publicId: r.assistant.publicId, name: r.assistant.name },
          kind: LICENSE_KIND_OF_CHAIN[info.kind] ?? r.license.kind,
          durationSeconds: Number(info.duration),
          quota: Number(info.quota),
          callsUsed: r.license.callsUsed,
          expiresAt: info.expiresAt === PERPETUAL_EXPIRY ? null : new Date(Number(info.expiresAt) * 1000),
          valid,
          pricePaid: info.pricePaid,
          currency: findCurrency(deps.currencies, info.currency) ?? { symbol: 'units', address: info.currency, decimals: 0 },
        };
      }),
    );
  } catch (cause) {
    throw toChainError(cause, 'Licenses.licenseInfo');
  }
}
