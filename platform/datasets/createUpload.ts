import crypto from 'node:crypto';
import type { Db } from '../db/client.ts';
import { uploads } from '../db/schema.ts';
import type { ChatTarget } from '../notifications/types.ts';
import type { UploadSource } from './uploadSource.ts';

export type Upload = typeof uploads.$inferSelect;

export type CreateUploadParameters = {
  userId: number;
  fileName: string;
  declaredBytes?: number | undefined;
  source: UploadSource;
  /** The chat message that will show this upload's progress and result (null: no chat, e.g. the API). */
  replyTarget: ChatTarget | null;
  /** Who may build on the data, when chosen with the upload (else asked afterwards; private until then). */
  access?: 'open' | 'private' | undefined;
};

/** Records that a file arrived; the `ingest` job takes it from here. */
export async function createUpload(deps: { db: Db }, params: CreateUploadParameters): Promise<Upload> {
  const [row] = await deps.db
    .insert(uploads)
    .values({
      id: crypto.randomUUID(),
      userId: params.userId,
      fileName: params.fileName,
      declaredBytes: params.declaredBytes ?? null,
      source: params.source,
      replyTarget: params.replyTarget,
      access: params.access ?? null,
    })
    .returning();
  return row!;
}
