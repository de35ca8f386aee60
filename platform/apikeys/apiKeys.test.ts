import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform } from '../../test/helpers/testRuntime.ts';
import type { ChainDeps } from '../chain/clients.ts';
import { generateKey } from '../crypto/aead.ts';
import type { Database } from '../db/client.ts';
import { apiKeys, assistants, licenseTerms, licenses } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { ensureUser, type User } from '../identity/ensureUser.ts';
import { newPublicId } from '../ids.ts';
import { chainNow } from '../money/chainNow.ts';
import { authenticateApiKey } from './authenticateApiKey.ts';
import { createApiKey } from './createApiKey.ts';
import { ApiKeyError, QuotaExceededError } from './errors.ts';
import { listApiKeys } from './listApiKeys.ts';
import { licensePeriodEnd, meterLicenseCall } from './meterLicenseCall.ts';
import { revokeApiKey } from './revokeApiKey.ts';

describe('licensePeriodEnd', () => {
  const E = new Date('2027-03-01T00:00:00Z');
  const D = 10 * 24 * 3600;
  const at = (daysBeforeExpiry: number) => new Date(E.getTime() - daysBeforeExpiry * 86_400_000);
  it('cuts the license into periods that end at its expiry, counted back by its duration', () => {
    expect(licensePeriodEnd(E, D, at(25))).toEqual(at(20));
    expect(licensePeriodEnd(E, D, at(20))).toEqual(at(10)); // a period's first instant belongs to it
    expect(licensePeriodEnd(E, D, at(10.5))).toEqual(at(10));
    expect(licensePeriodEnd(E, D, at(0.001))).toEqual(E);
    expect(licensePeriodEnd(E, D, at(-1))).toEqual(E); // expired: its last period
  });
});

describe('API keys and license quotas (PostgreSQL, anvil)', () => {
  let platform: { database: Database; chain: ChainDeps; close(): Promise<void> };
  let alice: User;
  let bob: User;
  let apiLicense: typeof licenses.$inferSelect;
  let periodLicense: typeof licenses.$inferSelect;
  const QUOTA = 5;
  const deps = () => ({ db: platform.database.db, chain: platform.chain });

  beforeAll(async () => {
    platform = await createTestPlatform();
    const { db } = platform.database;
    const masterKey = generateKey();
    alice = await ensureUser({ db, masterKey }, { platform: 'web', externalId: 'alice' });
    bob = await ensureUser({ db, masterKey }, { platform: 'web', externalId: 'bob' });
    const [a] = await db.insert(assistants).values({ publicId: newPublicId('as'), ownerId: bob.id, name: 'Legal QA', instructions: 'Answers from the statutes.', visibility: 'private' }).returning();
    await db.insert(licenseTerms).values([
      { assistantId: a!.id, kind: 'api', currency: '0x0000000000000000000000000000000000000000', price: 10n, durationSeconds: 3600, quota: QUOTA, chainTermsId: 901n },
      { assistantId: a!.id, kind: 'period', currency: '0x0000000000000000000000000000000000000000', price: 10n, durationSeconds: 3600, quota: 0, chainTermsId: 902n },
    ]);
    const expiresAt = new Date((await chainNow(deps())).getTime() + 2 * 3600_000);
    const base = { assistantId: a!.id, userId: alice.id, holderAddress: alice.custodialAddress, currency: '0x0000000000000000000000000000000000000000', pricePaid: 10n, expiresAt, txHash: '0x01' };
    apiLicense = (await db.insert(licenses).values({ ...base, chainLicenseId: 9001n, chainTermsId: 901n, kind: 'api', quota: QUOTA }).returning())[0]!;
    periodLicense = (await db.insert(licenses).values({ ...base, chainLicenseId: 9002n, chainTermsId: 902n, kind: 'period' }).returning())[0]!;
  });
  afterAll(() => platform?.close());

  it('keeps only a hash: the token is shown once and authenticates its owner, and its last use is recorded', async () => {
    const { db } = platform.database;
    const key = await createApiKey({ db }, { userId: alice.id, kind: 'personal', name: 'ci' });
    expect(key.token).toMatch(/^cvn_p_[A-Za-z0-9_-]{43}$/);
    const [row] = await db.select().from(apiKeys).where(eq(apiKeys.publicId, key.id));
    expect(JSON.stringify(row)).not.toContain(key.token.slice(6));
    expect(row!.lastUsedAt).toBeNull();
    const who = await authenticateApiKey(deps(), key.token);
    expect(who).toMatchObject({ userId: alice.id, kind: 'personal', license: null, keyPublicId: key.id });
    const listed = await listApiKeys({ db }, { userId: alice.id });
    expect(listed.keys.find((k) => k.id === key.id)).toMatchObject({ name: 'ci', prefix: key.token.slice(0, 12) });
    expect(listed.keys.find((k) => k.id === key.id)!.lastUsedAt).toBeInstanceOf(Date);
    // Bob sees none of Alice's keys.
    expect((await listApiKeys({ db }, { userId: bob.id })).keys).toEqual([]);
  });

  it('refuses malformed, unknown and revoked tokens with their own codes; revocation is at once and only by the owner', async () => {
    const { db } = platform.database;
    const code = (token: string) => authenticateApiKey(deps(), token).then(() => 'accepted', (e: unknown) => (e instanceof ApiKeyError ? e.code : String(e)));
    expect(await code('hunter2')).toBe('invalid_key');
    expect(await code(`cvn_p_${'A'.repeat(43)}`)).toBe('invalid_key');
    const key = await createApiKey({ db }, { userId: alice.id, kind: 'personal' });
    await expect(revokeApiKey({ db }, { userId: bob.id, keyId: key.id })).rejects.toBeInstanceOf(NotFoundError);
    expect(await code(key.token)).toBe('accepted');
    await revokeApiKey({ db }, { userId: alice.id, keyId: key.id });
    expect(await code(key.token)).toBe('key_revoked');
    await expect(revokeApiKey({ db }, { userId: alice.id, keyId: key.id })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('binds license keys only to the caller\'s own API licenses', async () => {
    const { db } = platform.database;
    await expect(createApiKey({ db }, { userId: bob.id, kind: 'license', chainLicenseId: apiLicense.chainLicenseId })).rejects.toBeInstanceOf(NotFoundError);
    await expect(createApiKey({ db }, { userId: alice.id, kind: 'license', chainLicenseId: periodLicense.chainLicenseId })).rejects.toBeInstanceOf(NotFoundError);
    const key = await createApiKey({ db }, { userId: alice.id, kind: 'license', chainLicenseId: apiLicense.chainLicenseId });
    expect(key.token).toMatch(/^cvn_l_/);
    expect(await authenticateApiKey(deps(), key.token)).toMatchObject({ kind: 'license', license: { id: apiLicense.id, quota: QUOTA } });
  });

  it('meters exactly the quota under concurrent calls, says when it resets, and gives back refunded calls', async () => {
    const { db } = platform.database;
    const key = await createApiKey({ db }, { userId: alice.id, kind: 'license', chainLicenseId: apiLicense.chainLicenseId });
    const who = await authenticateApiKey(deps(), key.token);
    const results = await Promise.allSettled(Array.from({ length: 4 * QUOTA }, () => meterLicenseCall(deps(), who)));
    const served = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(served).toHaveLength(QUOTA);
    expect(refused.every((r) => r.reason instanceof QuotaExceededError)).toBe(true);
    const resetAt = (refused[0]!.reason as QuotaExceededError).resetAt;
    expect(resetAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(resetAt.getTime()).toBeLessThanOrEqual(apiLicense.expiresAt!.getTime());
    // One not served is given back: exactly one more call fits.
    await (served[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof meterLicenseCall>>>).value!.refund();
    await expect(meterLicenseCall(deps(), who)).resolves.toMatchObject({ calls: QUOTA, quota: QUOTA });
    await expect(meterLicenseCall(deps(), who)).rejects.toBeInstanceOf(QuotaExceededError);
    const [l] = await db.select().from(licenses).where(eq(licenses.id, apiLicense.id));
    expect(l!.callsUsed).toBe(QUOTA);
    // Personal keys are not metered.
    const personal = await authenticateApiKey(deps(), (await createApiKey({ db }, { userId: alice.id, kind: 'personal' })).token);
    expect(await meterLicenseCall(deps(), personal)).toBeNull();
  });

  it('stops a license key when its license expires by the chain\'s clock or passes to someone else', async () => {
    const { db } = platform.database;
    const key = await createApiKey({ db }, { userId: alice.id, kind: 'license', chainLicenseId: apiLicense.chainLicenseId });
    await db.update(licenses).set({ userId: bob.id }).where(eq(licenses.id, apiLicense.id));
    await expect(authenticateApiKey(deps(), key.token)).rejects.toMatchObject({ code: 'key_expired' });
    const past = new Date((await chainNow(deps())).getTime() - 1000);
    await db.update(licenses).set({ userId: alice.id, expiresAt: past }).where(eq(licenses.id, apiLicense.id));
    // Not on-chain (a made-up id): nothing renewed it there either.
    await expect(authenticateApiKey(deps(), key.token)).rejects.toMatchObject({ code: 'key_expired', shortMessage: expect.stringContaining('expired') });
  });
});
