import type { JobsPort } from '../platform/jobsPort.ts';
import type { Queues } from './queues.ts';

/** BullMQ job ids may not contain ':'. */
const idOf = (key: string) => key.replace(/:/g, '.');

/**
 * The domain's `JobsPort` over the BullMQ queues. Job ids make every request idempotent: the
 * same work asked twice while the first is queued or running is one job.
 */
export function createJobsPort(queues: Omit<Queues, 'close'>): JobsPort {
  return {
    async ingest(uploadId) {
      await queues.ingest.add('ingest', { uploadId }, { jobId: `ingest-${uploadId}` });
    },
    async review(datasetId) {
      await queues.review.add('review', { datasetId }, { jobId: `review-${datasetId}` });
    },
    async reviewTimeout(datasetId, round, delayMs) {
      await queues.review.add('review-timeout', { datasetId, round }, { jobId: `review-${datasetId}-round-${round}`, delay: delayMs });
    },
    async mintDataset(datasetId) {
      await queues.mint.add('mint', { datasetId }, { jobId: `mint-${datasetId}` });
    },
    async mintAssistant(assistantId, replyTarget) {
      await queues.mint.add('mint-assistant', { assistantId, ...(replyTarget ? { replyTarget } : {}) }, { jobId: `mint-assistant-${assistantId}` });
    },
    async finetune(assistantId, replyTarget) {
      await queues.finetune.add('finetune', { assistantId, ...(replyTarget ? { replyTarget } : {}) }, { jobId: `finetune-${assistantId}`, attempts: 3 });
    },
    async notify(message) {
      await queues.notify.add('notify', message, { jobId: `notify-${idOf(message.key)}` });
    },
    async webhook(delivery) {
      // One job per attempt: a retry is a new job, a delivery queued again for the same attempt is not.
      const at = delivery.nextAttemptAt.getTime();
      await queues.webhook.add('webhook', { deliveryId: delivery.id }, { jobId: `webhook-${delivery.id}-${delivery.attempts}-${at}`, delay: Math.max(0, at - Date.now()) });
    },
    async governancePosts(proposal, dueAtMs) {
      const at = Math.round(dueAtMs);
      await queues.governance.add('governance', { proposal }, { jobId: `governance-${proposal}-${at}`, delay: Math.max(0, at - Date.now()) });
    },
  };
}
