import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { datasets, uploads } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';

/** An upload as its owner follows it: where it is, why it stopped, and the dataset it became. */
export type UploadView = {
  id: string;
  fileName: string;
  status: 'queued' | 'processing' | 'accepted' | 'duplicate' | 'rejected' | 'failed';
  /** Why it was rejected, failed or is a duplicate, as the uploader is told. */
  reason: string | null;
  /** Who may build on the data, as chosen with the upload (null: not chosen; private until then). */
  access: 'open' | 'private' | null;
  /** The dataset it became (accepted), or the earlier one of the uploader's it repeats (duplicate). */
  dataset: { id: number; publicId: string; status: 'pending_review' | 'approved' | 'rejected' } | null;
  declaredBytes: number | null;
  createdAt: Date;
  updatedAt: Date;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One of `userId`'s uploads. Someone else's upload, or an id that is none, is unknown (never
 * "forbidden"). A duplicate names the earlier dataset only when it is the uploader's own: someone
 * else's private dataset stays unknown.
 */
export async function getUpload(deps: { db: Db }, params: { userId: number; uploadId: string }): Promise<UploadView> {
  const unknown = () => new NotFoundError(`There is no upload ${params.uploadId.trim().slice(0, 40) || '(none given)'} of yours.`);
  if (!UUID.test(params.uploadId)) throw unknown();
  const [row] = await deps.db
    .select({ u: uploads, d: { id: datasets.id, publicId: datasets.publicId, status: datasets.status, ownerId: datasets.ownerId } })
    .from(uploads)
    .leftJoin(datasets, eq(datasets.id, uploads.datasetId))
    .where(and(eq(uploads.id, params.uploadId.toLowerCase()), eq(uploads.userId, params.userId)));
  if (!row) throw unknown();
  const { u, d } = row;
  return {
    id: u.id,
    fileName: u.fileName,
    status: u.status,
    reason:
      u.status === 'rejected' || u.status === 'failed'
        ? u.error
        : u.status === 'duplicate'
          ? d?.ownerId === params.userId
            ? `The same content is already your dataset ${d.publicId}.`
            : 'The same content is already a dataset.'
          : null,
    access: u.access,
    dataset: d && d.ownerId === params.userId ? { id: d.id, publicId: d.publicId, status: d.status } : null,
    declaredBytes: u.declaredBytes,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
  };
}
