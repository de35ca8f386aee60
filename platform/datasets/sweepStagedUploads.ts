import path from 'node:path';
import { and, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { uploads } from '../db/schema.ts';
import { sweepStaging } from '../storage/staging.ts';

/**
 * Cleans the staging directory at start: staged files older than an hour go, unless an upload
 * still waiting to be ingested refers to them (a queue backlog must not lose its files).
 */
export async function sweepStagedUploads(deps: { db: Db }, params: { dir: string; maxAgeMs?: number }): Promise<number> {
  const waiting = await deps.db
    .select({ source: uploads.source })
    .from(uploads)
    .where(and(inArray(uploads.status, ['queued', 'processing']), sql`${uploads.source}->>'kind' = 'staged'`));
  const keep = new Set(waiting.map((w) => path.resolve((w.source as { path: string }).path)));
  return sweepStaging(params.dir, { keep, ...(params.maxAgeMs !== undefined ? { maxAgeMs: params.maxAgeMs } : {}) });
}
