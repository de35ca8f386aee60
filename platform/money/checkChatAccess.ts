import { and, desc, eq, sql } from 'drizzle-orm';
import { licensesAbi } from '../../contracts/bindings/index.ts';
import type { Assistant } from '../assistants/createAssistant.ts';
import { assistantTrials, licenses } from '../db/schema.ts';
import { LicenseRequiredError } from './errors.ts';
import { chainNow } from './chainNow.ts';
import { listTerms } from './listTerms.ts';
import type { MoneyDeps } from './types.ts';

export type ChatAccess =
  | { via: 'free' | 'owner' }
  | { via: 'license'; licenseId: number; expiresAt: Date | null }
  | { via: 'trial'; remaining: number };

/**
 * Whether `userId` may ask `assistant` a question now, and on what grounds: a free assistant, its
 * creator, a valid license (its expiry as the chain recorded it, compared with the chain's time,
 * cached until then and read again
 * from `Licenses.expiresAt` once passed, so a renewal made elsewhere counts), or one of the free
 * questions new users get (counted here). Otherwise `LicenseRequiredError`, naming the expired license
 * when there is one. Anonymous callers (`userId` null) only reach free assistants.
 */
export async function checkChatAccess(
  deps: Pick<MoneyDeps, 'db' | 'chain' | 'settings'>,
  params: { userId: number | null; assistant: Assistant },
): Promise<ChatAccess> {
  const { db } = deps;
  const a = params.assistant;
  const terms = await listTerms(deps, a.id);
  if (!terms.length) return { via: 'free' };
  if (params.userId === null)
    throw new LicenseRequiredError(`${a.name} needs a license; anonymous requests cannot use it.`, a.publicId, undefined);
  if (a.ownerId === params.userId) return { via: 'owner' };

  const held = await db
    .select()
    .from(licenses)
    .where(and(eq(licenses.userId, params.userId), eq(licenses.assistantId, a.id)))
    .orderBy(desc(licenses.expiresAt));
  // Validity is the chain's: `Licenses.isValid` compares with the block time, so this does too.
  const now = (await chainNow(deps)).getTime();
  let expired: (typeof held)[number] | undefined;
  for (const l of held) {
    if (l.expiresAt === null || l.expiresAt.getTime() > now) return { via: 'license', licenseId: l.id, expiresAt: l.expiresAt };
    // Past its cached expiry: the chain may know a renewal paid from a wallet.
    const onChain = await deps.chain.publicClient
      .readContract({ address: deps.chain.addresses.licenses!, abi: licensesAbi, functionName: 'expiresAt', args: [l.chainLicenseId] })
      .catch(() => undefined);
    if (onChain !== undefined && Number(onChain) * 1000 > now) {
      const expiresAt = new Date(Number(onChain) * 1000);
      await db.update(licenses).set({ expiresAt, reminderSentAt: null }).where(eq(licenses.id, l.id));
      return { via: 'license', licenseId: l.id, expiresAt };
    }
    expired ??= l;
  }
  if (expired)
    throw new LicenseRequiredError(`Your license for ${a.name} expired. Renew it to keep chatting.`, a.publicId, expired.id);

  const free = deps.settings.freeQuestions;
  if (free > 0) {
    const [trial] = await db
      .insert(assistantTrials)
      .values({ userId: params.userId, assistantId: a.id, used: 1 })
      .onConflictDoUpdate({
        target: [assistantTrials.userId, assistantTrials.assistantId],
        set: { used: sql`${assistantTrials.used} + 1` },
        setWhere: sql`${assistantTrials.used} < ${free}`,
      })
      .returning();
    if (trial) return { via: 'trial', remaining: free - trial.used };
  }
  throw new LicenseRequiredError(
    `${a.name} needs a license${free > 0 ? ` (your ${free} free question${free > 1 ? 's are' : ' is'} used)` : ''}. Buy one with /buy ${a.publicId}.`,
    a.publicId,
    undefined,
  );
}
