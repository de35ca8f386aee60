import type { Db } from '../../platform/db/client.ts';
import type { AesKey } from '../../platform/crypto/aead.ts';
import { ensureUser } from '../../platform/identity/ensureUser.ts';
import { createUpload } from '../../platform/datasets/createUpload.ts';
import {
  DatasetRejectedError,
  formatBytes,
  formatFromFileName,
  type DatasetLimits,
} from '../../platform/datasets/validateDataset.ts';
import type { Queues } from '../../jobs/queues.ts';
import { uploadProgress, uploadRejected } from './messages.ts';
import type { Conversation, IncomingFile } from './types.ts';

export type FileDeps = { db: Db; masterKey: AesKey; queues: Pick<Queues, 'ingest'>; limits: DatasetLimits };

/**
 * Takes a file someone sent: refuses at once what the name or declared size already rules out,
 * otherwise acknowledges with a progress message and queues the `ingest` job, which edits
 * that message as it goes. Returns the upload id, or null when refused.
 */
export async function handleFile(deps: FileDeps, conv: Conversation, file: IncomingFile): Promise<string | null> {
  try {
    formatFromFileName(file.fileName);
    if (file.size !== undefined && file.size > deps.limits.maxBytes)
      throw new DatasetRejectedError(
        'too_large',
        `The file is too large: ${formatBytes(file.size)}; the limit is ${formatBytes(deps.limits.maxBytes)}.`,
      );
    if (file.size === 0) throw new DatasetRejectedError('empty', 'The file is empty.');
  } catch (err) {
    if (!(err instanceof DatasetRejectedError)) throw err;
    await conv.reply(uploadRejected(file.fileName, err.shortMessage));
    return null;
  }
  const user = await ensureUser(deps, conv.identity);
  const messageId = await conv.reply(uploadProgress(file.fileName, 'queued'));
  const upload = await createUpload(deps, {
    userId: user.id,
    fileName: file.fileName,
    declaredBytes: file.size,
    source: file.source,
    replyTarget: { ...conv.chat, messageId },
  });
  await deps.queues.ingest.add('ingest', { uploadId: upload.id }, { jobId: `ingest-${upload.id}` });
  return upload.id;
}
