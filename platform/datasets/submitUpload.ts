import type { Db } from '../db/client.ts';
import type { JobsPort } from '../jobsPort.ts';
import type { FairUse } from '../limits/fairUse.ts';
import type { ChatTarget } from '../notifications/types.ts';
import { createUpload } from './createUpload.ts';
import type { UploadSource } from './uploadSource.ts';
import { DatasetRejectedError, formatBytes, formatFromFileName, type DatasetLimits } from './validateDataset.ts';

export type SubmitUploadDeps = { db: Db; jobs: Pick<JobsPort, 'ingest'>; limits: DatasetLimits; fairUse: FairUse };

export type SubmitUploadParameters = {
  userId: number;
  fileName: string;
  /** Size the transport declared, if it did. */
  size?: number | undefined;
  source: UploadSource;
  access?: 'open' | 'private' | undefined;
  /**
   * Posts the progress message once the upload is accepted for processing and returns where it
   * is, so the `ingest` job can edit it. Not called when the upload is refused. Absent for
   * uploads with no chat (the API): their status is read with `getUpload`.
   */
  announce?: (() => Promise<ChatTarget>) | undefined;
};

/**
 * Takes a file someone sent: refuses at once what its name or declared size already rules out
 * (`DatasetRejectedError`) and uploads past the person's daily limit (`LimitExceededError`),
 * both without storing anything; otherwise records the upload and queues its `ingest` job.
 */
export async function submitUpload(deps: SubmitUploadDeps, params: SubmitUploadParameters): Promise<{ uploadId: string }> {
  formatFromFileName(params.fileName);
  if (params.size !== undefined && params.size > deps.limits.maxBytes)
    throw new DatasetRejectedError(
      'too_large',
      `The file is too large: ${formatBytes(params.size)}; the limit is ${formatBytes(deps.limits.maxBytes)}.`,
    );
  if (params.size === 0) throw new DatasetRejectedError('empty', 'The file is empty.');
  await deps.fairUse.enforce(params.userId, 'upload');
  const replyTarget = params.announce ? await params.announce() : null;
  const upload = await createUpload(deps, {
    userId: params.userId,
    fileName: params.fileName,
    declaredBytes: params.size,
    source: params.source,
    replyTarget,
    access: params.access,
  });
  await deps.jobs.ingest(upload.id);
  return { uploadId: upload.id };
}
