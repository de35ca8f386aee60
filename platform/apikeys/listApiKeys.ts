import { and, desc, eq, isNull, lt } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { apiKeys, assistants, licenses } from '../db/schema.ts';

export type ApiKeyInfo = {
  id: string;
  name: string;
  kind: 'personal' | 'license';
  prefix: string;
  license: { id: string; assistant: { id: string; name: string } } | null;
  lastUsedAt: Date | null;
  createdAt: Date;
};

/** The user's live keys, newest first (never the tokens: only their first characters). */
export async function listApiKeys(
  deps: { db: Db },
  params: { userId: number; /** Internal id to continue after (pagination). */ before?: number | undefined; limit?: number | undefined },
): Promise<{ keys: ApiKeyInfo[]; last: number | null }> {
  const limit = params.limit ?? 100;
  const rows = await deps.db
    .select({ key: apiKeys, chainLicenseId: licenses.chainLicenseId, assistant: { publicId: assistants.publicId, name: assistants.name } })
    .from(apiKeys)
    .leftJoin(licenses, eq(licenses.id, apiKeys.licenseId))
    .leftJoin(assistants, eq(assistants.id, licenses.assistantId))
    .where(and(eq(apiKeys.userId, params.userId), isNull(apiKeys.revokedAt), params.before ? lt(apiKeys.id, params.before) : undefined))
    .orderBy(desc(apiKeys.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return {
    keys: page.map((r) => ({
      id: r.key.publicId,
      name: r.key.name,
      kind: r.key.kind,
      prefix: r.key.prefix,
      license:
        r.chainLicenseId !== null && r.assistant ? { id: r.chainLicenseId.toString(), assistant: { id: r.assistant.publicId, name: r.assistant.name } } : null,
      lastUsedAt: r.key.lastUsedAt,
      createdAt: r.key.createdAt,
    })),
    last: rows.length > limit ? page.at(-1)!.key.id : null,
  };
}
