import { and, eq } from 'drizzle-orm';
import { licensesAbi } from '../../contracts/bindings/index.ts';
import { sendOnce } from '../chain/sendOnce.ts';
import { assistants, licenseTerms } from '../db/schema.ts';
import { InputError, NotFoundError } from '../errors.ts';
import { createLicenseTerms } from './createLicenseTerms.ts';
import { offerOf, type LicenseKind } from './licenseKinds.ts';
import type { MoneyDeps } from './types.ts';

/**
 * The creator sets the price of one kind of license of their assistant (`/price`): the terms' price
 * changes on-chain (`setTermsPrice`; licenses already sold keep theirs), or new terms are offered
 * when that kind was not sold yet; a price of 0 retires the kind (`retireTerms`: no new sales, sold
 * licenses stay valid). Someone else's assistant is unknown.
 */
export async function setLicensePrice(
  deps: MoneyDeps,
  params: { userId: number; assistantPublicId: string; kind: LicenseKind; price: bigint; requestKey: string },
): Promise<{ action: 'priced' | 'offered' | 'retired' | 'unchanged' }> {
  const { db, chain } = deps;
  const [a] = await db.select().from(assistants).where(eq(assistants.publicId, params.assistantPublicId));
  if (!a || a.ownerId !== params.userId) throw new NotFoundError(`${params.assistantPublicId}: no assistant of yours.`);
  const [terms] = await db
    .select()
    .from(licenseTerms)
    .where(and(eq(licenseTerms.assistantId, a.id), eq(licenseTerms.kind, params.kind), eq(licenseTerms.retired, 0)));
  const licenses = chain.addresses.licenses!;
  if (!terms) {
    if (params.price === 0n) return { action: 'unchanged' };
    await db.insert(licenseTerms).values({ assistantId: a.id, ...offerOf(deps.settings, params.kind, params.price, deps.currencies[0]!.address) });
    await createLicenseTerms(deps, a.id);
    return { action: 'offered' };
  }
  if (terms.chainTermsId === null) {
    // Not on-chain yet (the assistant is being registered): the new price goes with it.
    if (params.price === 0n) await db.update(licenseTerms).set({ retired: 1, updatedAt: new Date() }).where(eq(licenseTerms.id, terms.id));
    else await db.update(licenseTerms).set({ price: params.price, updatedAt: new Date() }).where(eq(licenseTerms.id, terms.id));
    return { action: params.price === 0n ? 'retired' : 'priced' };
  }
  if (params.price === 0n) {
    await sendOnce(deps, { key: `retire:${params.requestKey}`, address: licenses, abi: licensesAbi, functionName: 'retireTerms', args: [terms.chainTermsId] });
    await db.update(licenseTerms).set({ retired: 1, updatedAt: new Date() }).where(eq(licenseTerms.id, terms.id));
    return { action: 'retired' };
  }
  if (params.price === terms.price) throw new InputError('That is already the price.');
  await sendOnce(deps, {
    key: `price:${params.requestKey}`,
    address: licenses,
    abi: licensesAbi,
    functionName: 'setTermsPrice',
    args: [terms.chainTermsId, params.price],
  });
  await db.update(licenseTerms).set({ price: params.price, updatedAt: new Date() }).where(eq(licenseTerms.id, terms.id));
  return { action: 'priced' };
}
