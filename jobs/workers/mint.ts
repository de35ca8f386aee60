import { eq } from 'drizzle-orm';
import { assistants, datasets, uploads } from '../../platform/db/schema.ts';
import { mintDatasetReceipt } from '../../platform/receipts/mintDatasetReceipt.ts';
import { mintAssistantReceipt } from '../../platform/receipts/mintAssistantReceipt.ts';
import { createEncryptedCheckpointStore } from '../../platform/assistants/encryptedCheckpointStore.ts';
import { NotFoundError } from '../../platform/errors.ts';
import type { ChatTarget } from '../../platform/notifications/types.ts';
import { assistantKeys } from '../../engine/index.ts';
import { assistantRegistered, receiptMinted, uploadFailed } from '../../bots/core/messages.ts';
import { defineWorker } from '../defineWorker.ts';
import type { JobData } from '../queues.ts';
import type { WorkerDeps } from '../workerDeps.ts';

/** `mint`: registers a dataset or an assistant on-chain, issues the receipt, tells its owner once. */
export function createMintWorker(deps: WorkerDeps) {
  return defineWorker({
    name: 'mint',
    settings: deps.settings,
    log: deps.log,
    // One at a time: each mint sends transactions from the one operator account.
    options: { concurrency: 1 },
    async process(job) {
      const data = job.data;
      if ('assistantId' in data) return mintAssistant(deps, data);
      const minted = await mintDatasetReceipt(deps, data.datasetId);
      if (data.uploadId) {
        const [upload] = await deps.db.select().from(uploads).where(eq(uploads.id, data.uploadId));
        const [dataset] = await deps.db.select().from(datasets).where(eq(datasets.id, data.datasetId));
        if (upload && dataset)
          await deps.queues.notify.add(
            'receipt-minted',
            { key: `upload:${upload.id}:result`, target: upload.replyTarget as ChatTarget, text: receiptMinted(dataset, minted) },
            { jobId: `upload-${upload.id}-result` },
          );
      }
      return { chainReceiptId: minted.chainReceiptId.toString(), issueTx: minted.issueTx };
    },
    async onGiveUp(job, err) {
      const data = job.data;
      if (!('uploadId' in data) || !data.uploadId) return;
      const [upload] = await deps.db.select().from(uploads).where(eq(uploads.id, data.uploadId));
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

async function mintAssistant(deps: WorkerDeps, data: Extract<JobData<'mint'>, { assistantId: number }>) {
  const store = createEncryptedCheckpointStore(deps);
  const modelBytes = await store.load(assistantKeys(String(data.assistantId)).model);
  if (!modelBytes) throw new NotFoundError(`Assistant #${data.assistantId} has no trained model to register.`);
  const minted = await mintAssistantReceipt(deps, { assistantId: data.assistantId, modelBytes });
  const [assistant] = await deps.db.select().from(assistants).where(eq(assistants.id, data.assistantId));
  if (data.replyTarget && assistant)
    await deps.queues.notify.add(
      'assistant-registered',
      {
        key: `assistant:${data.assistantId}:registered`,
        target: { transport: data.replyTarget.transport, chatId: data.replyTarget.chatId },
        text: assistantRegistered(assistant.name, minted),
      },
      { jobId: `assistant-${data.assistantId}-registered` },
    );
  return { chainReceiptId: minted.chainReceiptId.toString(), issueTx: minted.issueTx };
}
