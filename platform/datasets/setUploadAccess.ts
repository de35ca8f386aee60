import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { datasets, uploads } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';

/**
 * Records who may build on an upload's data: `open` (anyone's assistants, earning royalties
 * through lineage) or `private` (the owner's assistants only). Applies to the dataset too once it
 * exists — only the uploader's own dataset (an upload that duplicated someone else's data changes
 * nothing of theirs). Foreign uploads are unknown (404).
 */
export async function setUploadAccess(
  deps: { db: Db },
  params: { userId: number; uploadId: string; access: 'open' | 'private' },
): Promise<{ fileName: string; access: 'open' | 'private' }> {
  return deps.db.transaction(async (tx) => {
    const [upload] = await tx
      .update(uploads)
      .set({ access: params.access, updatedAt: new Date() })
      .where(and(eq(uploads.id, params.uploadId), eq(uploads.userId, params.userId)))
      .returning();
    if (!upload) throw new NotFoundError('There is no such upload of yours.');
    if (upload.datasetId)
      await tx
        .update(datasets)
        .set({ access: params.access })
        .where(and(eq(datasets.id, upload.datasetId), eq(datasets.ownerId, params.userId)));
    return { fileName: upload.fileName, access: params.access };
  });
}
