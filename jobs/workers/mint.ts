import { mintDatasetReceipts } from '../../platform/receipts/mintDatasetReceipts.ts';
import { registerTrainedAssistant } from '../../platform/receipts/registerTrainedAssistant.ts';
import { defineWorker } from '../defineWorker.ts';
import type { WorkerDeps } from '../workerDeps.ts';

/** `mint`: registers a dataset or an assistant on-chain, issues its receipts, tells the holders once. */
export function createMintWorker(deps: WorkerDeps) {
  return defineWorker({
    name: 'mint',
    settings: deps.settings,
    log: deps.log,
    // One at a time: each mint sends transactions from the one operator account.
    options: { concurrency: 1 },
    async process(job) {
      const data = job.data;
      if ('assistantId' in data) {
        const minted = await registerTrainedAssistant(deps, { assistantId: data.assistantId, replyTarget: data.replyTarget });
        return { chainAssetId: minted.chainAssetId.toString() };
      }
      const minted = await mintDatasetReceipts({ ...deps, reviewerShareBps: deps.review.reviewerShareBps }, data.datasetId);
      return { chainAssetId: minted.chainAssetId.toString() };
    },
  });
}
