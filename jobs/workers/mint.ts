import { eq } from 'drizzle-orm';
import { datasets, uploads } from '../../platform/db/schema.ts';
import { mintDatasetReceipt } from '../../platform/receipts/mintDatasetReceipt.ts';
import type { ChatTarget } from '../../platform/notifications/types.ts';
import { receiptMinted, uploadFailed } from '../../bots/core/messages.ts';
import { defineWorker } from '../defineWorker.ts';
import type { WorkerDeps } from '../workerDeps.ts';

/** `mint`: registers the dataset on-chain, issues the receipt, tells the contributor once. */
export function createMintWorker(deps: WorkerDeps) {
  return defineWorker({
    name: 'mint',
    settings: deps.settings,
    log: deps.log,
    // One at a time: each mint sends transactions from the one operator account.
    options: { concurrency: 1 },
    async process(job) {
      const minted = await mintDatasetReceipt(deps, job.data.datasetId);
      if (job.data.uploadId) {
        const [upload] = await deps.db.select().from(uploads).where(eq(uploads.id, job.data.uploadId));
        const [dataset] = await deps.db.select().from(datasets).where(eq(datasets.id, job.data.datasetId));
        if (upload && dataset)
          await deps.queues.notify.add(
            'receipt-minted',
            {
              key: `upload:${upload.id}:result`,
              target: upload.replyTarget as ChatTarget,
              text: receiptMinted(dataset, minted),
            },
            { jobId: `upload-${upload.id}-result` },
          );
      }
      return { chainReceiptId: minted.chainReceiptId.toString(), issueTx: minted.issueTx };
    },
    async onGiveUp(job, err) {
      if (!job.data.uploadId) return;
      const [upload] = await deps.db.select().from(uploads).where(eq(uploads.id, job.data.uploadId));
      if (!upload) return;
      await deps.queues.notify.add(
        'upload-result',
        {
          key: `upload:${upload.id}:mint-failed`,
          target: upload.replyTarget as ChatTarget,
          text: uploadFailed(upload.fileName, `minting the receipt failed (${err.message}); the dataset is stored and will be retried by an operator.`),
        },
        { jobId: `upload-${upload.id}-mint-failed` },
      );
    },
  });
}
