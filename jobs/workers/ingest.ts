import { failUpload, processUpload } from '../../platform/datasets/processUpload.ts';
import { defineWorker } from '../defineWorker.ts';
import type { WorkerDeps } from '../workerDeps.ts';

/** `ingest`: fetch → validate → hash → encrypt → store, then hand the dataset to review. */
export function createIngestWorker(deps: WorkerDeps) {
  return defineWorker({
    name: 'ingest',
    settings: deps.settings,
    log: deps.log,
    process: (job) =>
      processUpload(deps, {
        uploadId: job.data.uploadId,
        onDownload: (received, total) => void job.updateProgress({ stage: 'downloading', received, total }),
      }),
    onGiveUp: (job, err) => failUpload(deps, { uploadId: job.data.uploadId, reason: err.message }),
  });
}
