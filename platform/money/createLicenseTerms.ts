import { and, eq, isNull } from 'drizzle-orm';
import { parseEventLogs } from 'viem';
import { licensesAbi } from '../../contracts/bindings/index.ts';
import type { ChainDeps } from '../chain/clients.ts';
import { sendOnce } from '../chain/sendOnce.ts';
import type { Db } from '../db/client.ts';
import { assets, licenseTerms } from '../db/schema.ts';
import { ChainError, ConfigError } from '../errors.ts';
import { CHAIN_LICENSE_KIND } from './licenseKinds.ts';

/**
 * Creates on-chain (`Licenses.createTerms`, by the operator) the terms an assistant offers that are
 * not there yet, once its asset is registered. Each is sent once (keyed by the terms row), and the
 * row records the chain's terms id from the `TermsCreated` event, so a retry after a crash resumes.
 * @returns how many terms were created now
 */
export async function createLicenseTerms(deps: { db: Db; chain: ChainDeps }, assistantId: number): Promise<number> {
  const { db, chain } = deps;
  const licenses = chain.addresses.licenses;
  if (!licenses) throw new ConfigError('No Licenses contract is known on this chain (CONTRACT_ADDRESSES lacks "licenses").');
  const [asset] = await db.select().from(assets).where(eq(assets.assistantId, assistantId));
  if (!asset) return 0;
  const pending = await db
    .select()
    .from(licenseTerms)
    .where(and(eq(licenseTerms.assistantId, assistantId), isNull(licenseTerms.chainTermsId)));
  for (const t of pending) {
    const receipt = await sendOnce(deps, {
      key: `terms:${t.id}`,
      address: licenses,
      abi: licensesAbi,
      functionName: 'createTerms',
      args: [asset.chainAssetId, CHAIN_LICENSE_KIND[t.kind], t.price, t.currency as `0x${string}`, BigInt(t.durationSeconds), BigInt(t.quota)],
    });
    const [event] = parseEventLogs({ abi: licensesAbi, logs: receipt.logs, eventName: 'TermsCreated' });
    if (!event) throw new ChainError('The createTerms transaction emitted no TermsCreated event.');
    await db.update(licenseTerms).set({ chainTermsId: event.args.termsId, updatedAt: new Date() }).where(eq(licenseTerms.id, t.id));
  }
  return pending.length;
}
