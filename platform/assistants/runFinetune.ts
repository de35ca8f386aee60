import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { assistantDatasets, assistants, datasets } from '../db/schema.ts';
import type { AesKey } from '../crypto/aead.ts';
import type { BlobStore } from '../storage/blobStore.ts';
import { BaseError, NotFoundError, ServiceError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { JobsPort } from '../jobsPort.ts';
import type { ChatOutbox, ChatTarget } from '../notifications/types.ts';
import { createProgressEditor } from '../notifications/progressEditor.ts';
import { deliverOnce } from '../notifications/deliverOnce.ts';
import { readDataset } from '../datasets/readDataset.ts';
import { lossCurveCaption, trainingDone, trainingFailed, trainingPaused, trainingProgress } from '../messages/assistants.ts';
import { AbortedError, assistantKeys, decodeCheckpoint, type Engine, type EngineFinetuneParameters, type TrainingProgress } from '../../engine/index.ts';
import { createEncryptedCheckpointStore } from './encryptedCheckpointStore.ts';
import { emitWebhookEvent } from '../webhooks/emitWebhookEvent.ts';
import { finetuneFinishedEvent } from '../webhooks/webhookEvents.ts';
import { recordFinetuneProgress } from './recordFinetuneProgress.ts';

export type RunFinetuneDeps = {
  db: Db;
  blobs: BlobStore;
  masterKey: AesKey;
  engine?: Engine | undefined;
  outbox: ChatOutbox;
  jobs: Pick<JobsPort, 'mintAssistant' | 'notify'> & Partial<Pick<JobsPort, 'webhook'>>;
  log: Logger;
  /** Overrides of the engine's schedule (steps, checkpoints). */
  finetuneOptions?: Partial<Pick<EngineFinetuneParameters, 'minSteps' | 'maxSteps' | 'batchSize' | 'epochs' | 'checkpointEvery'>> | undefined;
};

/** A fine-tune stopped because its process is shutting down; its checkpoint is saved and it resumes later. */
export class FinetuneInterruptedError extends BaseError {
  override name = 'FinetuneInterruptedError' as const;
}

export type RunFinetuneParameters = {
  assistantId: number;
  replyTarget?: ChatTarget | undefined;
  /** Aborting saves a checkpoint and throws {@link FinetuneInterruptedError}. */
  signal?: AbortSignal | undefined;
  onProgress?: ((p: TrainingProgress) => void) | undefined;
  /** Idempotency key of this run's loss plot (one picture per fine-tune job). */
  plotKey: string;
};

/**
 * The `finetune` job: trains an assistant's model on its datasets with the engine, editing
 * progress into the chat, sends the loss curve once when done, and queues the assistant's
 * on-chain registration. A run that is interrupted (shutdown, or a killed worker) resumes from
 * its last checkpoint — weights, optimizer state and data cursor — not from step 0.
 */
export async function runFinetune(deps: RunFinetuneDeps, params: RunFinetuneParameters): Promise<{ steps: number; finalLoss: number; resumed: boolean }> {
  const engine = deps.engine;
  if (!engine) throw new ServiceError('This worker has no engine.', { retryable: true });
  const [assistant] = await deps.db.select().from(assistants).where(eq(assistants.id, params.assistantId));
  if (!assistant) throw new NotFoundError(`Assistant #${params.assistantId} does not exist.`);
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

  const target = params.replyTarget;
  const progress = target ? createProgressEditor(deps, target, 1500) : async () => {};
  // A training checkpoint left by an interrupted run means this run resumes from its step.
  const prior = await createEncryptedCheckpointStore(deps).load(assistantKeys(String(assistant.id)).training);
  const priorCheckpoint = prior ? decodeCheckpoint(prior) : undefined;
  const resumedFrom = priorCheckpoint?.cursor.step || undefined;
  // Progress kept on the assistant as it trains (the API's fine-tune status), at most once a second.
  const recorder = await recordFinetuneProgress(deps, { assistantId: assistant.id, losses: priorCheckpoint?.losses.slice(0, resumedFrom ?? 0) });
  let lastStep: number | undefined;
  let result;
  try {
    result = await engine.finetune({
      assistantId: String(assistant.id),
      datasets: inputs,
      ...deps.finetuneOptions,
      signal: params.signal,
      onProgress: (p) => {
        lastStep = p.step;
        recorder.record(p);
        params.onProgress?.(p);
        void progress(trainingProgress(assistant, p, resumedFrom));
      },
    });
  } catch (err) {
    if (err instanceof AbortedError) {
      await progress(trainingPaused(assistant, lastStep), true);
      throw new FinetuneInterruptedError(`The fine-tune of ${assistant.publicId} was interrupted at step ${lastStep ?? 0}; it resumes from its checkpoint.`, {
        cause: err,
        retryable: true,
      });
    }
    throw err;
  } finally {
    await recorder.flush();
  }

  const losses = result.losses;
  const heldOutLoss = result.heldOut ? { before: result.heldOut.before, after: result.heldOut.after, rows: result.heldOut.documents } : null;
  await deps.db.update(assistants).set({ status: 'ready', losses, heldOutLoss, lastError: null, updatedAt: new Date() }).where(eq(assistants.id, assistant.id));
  await emitWebhookEvent(deps, finetuneFinishedEvent(assistant, { status: 'ready', steps: result.steps, finalLoss: losses.at(-1) ?? NaN }));
  if (target?.messageId) {
    await progress(trainingDone(assistant, { steps: result.steps, first: losses[0] ?? NaN, last: losses.at(-1) ?? NaN, heldOut: heldOutLoss, resumedFrom }), true);
    await deliverOnce(deps, {
      key: params.plotKey,
      target: { transport: target.transport, chatId: target.chatId },
      reply: { text: lossCurveCaption(assistant.name), image: { png: result.lossPlotPng, fileName: `${assistant.publicId}-loss.png` } },
    });
  }
  // Register the trained assistant on-chain with its lineage (TRAINED_ON its datasets).
  await deps.jobs.mintAssistant(assistant.id, target);
  return { steps: result.steps, finalLoss: losses.at(-1) ?? NaN, resumed: result.resumed };
}

/** Marks an assistant's training failed after its last attempt and tells its creator once. */
export async function failFinetune(
  deps: { db: Db; jobs: Pick<JobsPort, 'notify'> & Partial<Pick<JobsPort, 'webhook'>> },
  params: { assistantId: number; replyTarget?: ChatTarget | undefined; reason: string; key: string },
): Promise<void> {
  const [assistant] = await deps.db
    .update(assistants)
    .set({ status: 'failed', lastError: params.reason, updatedAt: new Date() })
    .where(eq(assistants.id, params.assistantId))
    .returning();
  if (assistant) await emitWebhookEvent(deps, finetuneFinishedEvent(assistant, { status: 'failed', error: params.reason }));
  if (assistant && params.replyTarget)
    await deps.jobs.notify({
      key: params.key,
      target: { transport: params.replyTarget.transport, chatId: params.replyTarget.chatId },
      reply: { text: trainingFailed(assistant.name, params.reason) },
    });
}
