import { eq } from 'drizzle-orm';
import { assistantDatasets, assistants, datasets } from '../../platform/db/schema.ts';
import { readDataset } from '../../platform/datasets/readDataset.ts';
import { NotFoundError, ServiceError } from '../../platform/errors.ts';
import type { ChatTarget } from '../../platform/notifications/types.ts';
import { trainingDone, trainingFailed, trainingProgress } from '../../bots/core/messages.ts';
import { createEncryptedCheckpointStore } from '../../platform/assistants/encryptedCheckpointStore.ts';
import { assistantKeys, decodeCheckpoint } from '../../engine/index.ts';
import { deliverOnce } from '../../platform/notifications/deliverOnce.ts';
import { defineWorker } from '../defineWorker.ts';
import { createProgressEditor } from '../progress.ts';
import type { WorkerDeps } from '../workerDeps.ts';

/**
 * `finetune`: trains an assistant's model on its datasets with the engine, editing progress
 * into the chat, and sends the loss curve when done. A worker that dies mid-run leaves its
 * job stalled; BullMQ hands it to another worker and the engine resumes from its last
 * checkpoint (weights, optimizer state, data cursor), not from zero.
 */
export function createFinetuneWorker(deps: WorkerDeps) {
  return defineWorker({
    name: 'finetune',
    settings: deps.settings,
    log: deps.log,
    // One fine-tune at a time per process: it already uses every core.
    options: {
      concurrency: 1,
      lockDuration: deps.finetuneLockMs ?? 120_000,
      stalledInterval: Math.min(30_000, deps.finetuneLockMs ?? 30_000),
    },
    async process(job) {
      const engine = deps.engine;
      if (!engine) throw new ServiceError('This worker has no engine.', { retryable: true });
      const [assistant] = await deps.db.select().from(assistants).where(eq(assistants.id, job.data.assistantId));
      if (!assistant) throw new NotFoundError(`Assistant #${job.data.assistantId} does not exist.`);
      const rows = await deps.db
        .select({ dataset: datasets })
        .from(assistantDatasets)
        .innerJoin(datasets, eq(datasets.id, assistantDatasets.datasetId))
        .where(eq(assistantDatasets.assistantId, assistant.id));
      const inputs = await Promise.all(
        rows.map(async ({ dataset }) => ({
          id: String(dataset.id),
          name: dataset.name,
          format: dataset.format,
          text: (await readDataset(deps, dataset)).toString('utf8'),
        })),
      );

      const target = job.data.replyTarget;
      const progress = target ? createProgressEditor(deps, target, 1500) : async () => {};
      // A training checkpoint left by an interrupted run means this run resumes from its step.
      const prior = await createEncryptedCheckpointStore(deps).load(assistantKeys(String(assistant.id)).training);
      const resumedFrom = prior ? decodeCheckpoint(prior).cursor.step || undefined : undefined;
      const result = await engine.finetune({
        assistantId: String(assistant.id),
        datasets: inputs,
        ...deps.finetuneOptions,
        onProgress: (p) => {
          void job.updateProgress(p);
          void progress(trainingProgress(assistant.name, assistant.id, p, resumedFrom));
        },
      });

      const losses = result.losses;
      await deps.db
        .update(assistants)
        .set({ status: 'ready', losses, lastError: null, updatedAt: new Date() })
        .where(eq(assistants.id, assistant.id));
      if (target?.messageId) {
        await progress(trainingDone(assistant.name, assistant.id, result.steps, losses[0] ?? NaN, losses.at(-1) ?? NaN, resumedFrom), true);
        await deliverOnce(deps, {
          key: `finetune:${job.id}:loss-plot`,
          target: { transport: target.transport, chatId: target.chatId },
          text: `📉 Loss curve of ${assistant.name}'s fine-tune`,
          image: { png: result.lossPlotPng, fileName: `assistant-${assistant.id}-loss.png` },
        });
      }
      // Register the trained assistant on-chain with its lineage (TRAINED_ON its datasets).
      await deps.queues.mint.add(
        'mint-assistant',
        { assistantId: assistant.id, ...(target ? { replyTarget: target } : {}) },
        { jobId: `mint-assistant-${assistant.id}` },
      );
      return { steps: result.steps, finalLoss: losses.at(-1) ?? NaN, resumed: result.resumed };
    },
    async onGiveUp(job, err) {
      const [assistant] = await deps.db
        .update(assistants)
        .set({ status: 'failed', lastError: err.message, updatedAt: new Date() })
        .where(eq(assistants.id, job.data.assistantId))
        .returning();
      const target = job.data.replyTarget as ChatTarget | undefined;
      if (assistant && target)
        await deps.queues.notify.add(
          'finetune-failed',
          { key: `finetune:${assistant.id}:failed:${job.id}`, target, text: trainingFailed(assistant.name, err.message) },
          { jobId: `finetune-${assistant.id}-failed` },
        );
    },
  });
}
