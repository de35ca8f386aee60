import { AbortedError, InvalidRequestError } from '../errors.ts';
import { decodeCheckpoint, saveCheckpoint, type Checkpoint } from '../checkpoint/format.ts';
import type { CheckpointStore } from '../checkpoint/store.ts';
import { architectureFingerprint, modelPresets, type ModelConfig } from '../model/config.ts';
import { renderLossPlot } from '../plot/renderLossPlot.ts';
import { createByteTokenizer } from '../tokenizer/byteTokenizer.ts';
import { createBatchSource } from '../train/batches.ts';
import { createTrainer, type AdamOptions, type TrainerState } from '../train/createTrainer.ts';
import type { TrainerLike } from '../train/createParallelTrainer.ts';
import { runTraining, type TrainingProgress } from '../train/runTraining.ts';
import type { EngineLogger, Tf } from '../types.ts';
import { heldOutDocuments, heldOutLoss } from './heldOutLoss.ts';
import { parseDatasets, type DatasetInput } from './parseDatasets.ts';

export type FinetuneDeps = {
  tf: Tf;
  logger?: EngineLogger | undefined;
  /** Bytes of the base checkpoint to start from; without it training starts from random weights of `config`. */
  baseCheckpoint?: Uint8Array | null | undefined;
  /** Architecture when there is no base checkpoint (defaults to the base preset). */
  config?: ModelConfig | undefined;
  /** Builds the trainer; injectable so a data-parallel trainer ({@link createParallelTrainer}) can be used. */
  createTrainer?: ((p: { config: ModelConfig; state?: TrainerState; adam: Partial<AdamOptions> }) => TrainerLike | Promise<TrainerLike>) | undefined;
};

export type FinetuneParameters = {
  assistantId: string;
  datasets: DatasetInput[];
  store: CheckpointStore;
  onProgress?: ((p: TrainingProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** Passes over the data (default 3), bounded by minSteps/maxSteps. */
  epochs?: number | undefined;
  minSteps?: number | undefined;
  maxSteps?: number | undefined;
  batchSize?: number | undefined;
  /** Sequence length (≤ the model's context; default: the context length). */
  sequenceLength?: number | undefined;
  learningRate?: number | undefined;
  /** Save a resumable checkpoint every N steps (default 25). */
  checkpointEvery?: number | undefined;
  seed?: number | undefined;
};

export type FinetuneReturnType = {
  /** Store key of the final weights, for serving. */
  checkpointKey: string;
  losses: number[];
  lossPlotPng: Uint8Array;
  /**
   * Mean loss per byte (nats) on documents held out of training (every 20th, see
   * {@link heldOutDocuments}), with the base weights and after fine-tuning; null for datasets of
   * fewer than 10 documents, which keep every row for training.
   */
  heldOut: { before: number; after: number; documents: number } | null;
  /** Whether this call resumed an interrupted run (or found it already finished). */
  resumed: boolean;
  steps: number;
};

/** Store keys an assistant's fine-tune writes. */
export const assistantKeys = (assistantId: string) => ({
  training: `assistants/${assistantId}/finetune`,
  model: `assistants/${assistantId}/model`,
  passages: `assistants/${assistantId}/passages`,
});

const idPattern = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Fine-tunes the base model on an assistant's datasets. Resumable: checkpoints (weights, Adam
 * moments, data cursor, architecture fingerprint) are saved every `checkpointEvery` steps, and a
 * second call with the same assistant and datasets continues from the last one — or returns the
 * finished result. Also writes the retrieval passages used by chat.
 *
 * @throws InvalidDatasetError, CorruptCheckpointError, ArchitectureMismatchError, AbortedError, CheckpointStoreError
 */
export async function finetune(deps: FinetuneDeps, params: FinetuneParameters): Promise<FinetuneReturnType> {
  const { tf } = deps;
  if (!idPattern.test(params.assistantId)) throw new InvalidRequestError(`Invalid assistant id "${params.assistantId}".`);
  const parsed = parseDatasets(params.datasets);
  const keys = assistantKeys(params.assistantId);
  const base = deps.baseCheckpoint ? decodeCheckpoint(deps.baseCheckpoint, deps.config ? { config: deps.config, key: 'base' } : undefined) : null;
  const config: ModelConfig = base?.config ?? deps.config ?? modelPresets.base;
  const fingerprint = architectureFingerprint(config);
  const T = Math.min(params.sequenceLength ?? config.contextLength, config.contextLength);
  const B = params.batchSize ?? 8;
  const seed = params.seed ?? 1;
  const tokenizer = createByteTokenizer();
  const held = heldOutDocuments(parsed.documents.length);
  const tokens = tokenizer.encode(parsed.documents.filter((_, i) => !held.has(i)).join('\0') + '\0');
  const heldTokens = held.size ? tokenizer.encode('\0' + parsed.documents.filter((_, i) => held.has(i)).join('\0') + '\0') : null;
  const source = createBatchSource(tokens, { B, T, seed });
  const epochs = params.epochs ?? 3;
  const totalSteps = Math.max(params.minSteps ?? 30, Math.min(params.maxSteps ?? 300, Math.ceil((epochs * tokens.length) / (B * T))));

  // Resume only a run on the same data and architecture; a changed dataset restarts from base.
  const existingBytes = await params.store.load(keys.training);
  let existing: Checkpoint | null = existingBytes ? decodeCheckpoint(existingBytes, { config, key: keys.training }) : null;
  if (existing && existing.info.datasetsHash !== parsed.hash) existing = null;
  const abort = () => {
    if (params.signal?.aborted) throw new AbortedError({ cause: params.signal.reason });
  };
  abort();

  const info: Record<string, string | number> = { assistantId: params.assistantId, datasetsHash: parsed.hash, status: 'running' };
  const passagesBytes = new TextEncoder().encode(JSON.stringify(parsed.passages));
  await params.store.save(keys.passages, passagesBytes);

  if (existing && existing.info.status === 'done' && (await params.store.load(keys.model))) {
    deps.logger?.info({ assistantId: params.assistantId }, 'fine-tune already finished; returning stored result');
    const heldOut = typeof existing.info.heldOutBefore === 'number' && typeof existing.info.heldOutAfter === 'number'
      ? { before: existing.info.heldOutBefore, after: existing.info.heldOutAfter, documents: held.size }
      : null;
    return { checkpointKey: keys.model, losses: existing.losses, lossPlotPng: renderLossPlot(existing.losses, { title: 'Fine-tune loss' }), heldOut, resumed: true, steps: existing.cursor.step };
  }

  const state: TrainerState | undefined = existing
    ? { weights: existing.weights, m: existing.m, v: existing.v, step: existing.optimizerStep }
    : base
      ? { weights: base.weights, step: 0 }
      : undefined;
  const make = deps.createTrainer ?? ((p: { config: ModelConfig; state?: TrainerState; adam: Partial<AdamOptions> }) => createTrainer(tf, p));
  const adam: Partial<AdamOptions> = { learningRate: params.learningRate ?? 1e-3, warmupSteps: 10 };
  const trainer = await make({ config, ...(state ? { state } : {}), adam });
  const startStep = existing?.cursor.step ?? 0;
  // Held-out loss of the starting weights (the base model's; a resumed run kept it in its checkpoint).
  const startWeights = base?.weights ?? (state ? null : (await trainer.state()).weights);
  const heldBefore = !heldTokens ? null
    : typeof existing?.info.heldOutBefore === 'number' ? existing.info.heldOutBefore
    : startWeights ? heldOutLoss(tf, config, startWeights, heldTokens) : null;
  if (heldBefore !== null) info.heldOutBefore = heldBefore;
  const losses = existing ? [...existing.losses] : [];
  if (existing) deps.logger?.info({ assistantId: params.assistantId, step: startStep, totalSteps }, 'resuming fine-tune from checkpoint');

  const save = async (step: number, status: string) => {
    const s = await trainer.state();
    await saveCheckpoint(tf, { save: (b) => params.store.save(keys.training, b) }, {
      fingerprint,
      config,
      tokenizer: 'bytes-v1',
      cursor: { step, totalSteps, epoch: source.epochOf(Math.max(0, step - 1)) + 1, seed },
      losses,
      info: { ...info, status },
      weights: s.weights,
      m: s.m,
      v: s.v,
      optimizerStep: s.step,
    });
  };
  try {
    await runTraining({
      trainer,
      source,
      startStep,
      totalSteps,
      losses,
      checkpointEvery: params.checkpointEvery ?? 25,
      checkpoint: (step) => save(step, 'running'),
      onProgress: params.onProgress,
      signal: params.signal,
    });
    // Serving weights first, then mark the run done: a crash in between just redoes the last save.
    const s = await trainer.state();
    if (heldTokens) info.heldOutAfter = heldOutLoss(tf, config, s.weights, heldTokens);
    await saveCheckpoint(tf, { save: (b) => params.store.save(keys.model, b) }, {
      fingerprint,
      config,
      tokenizer: 'bytes-v1',
      cursor: { step: totalSteps, totalSteps, epoch: source.epochOf(totalSteps - 1) + 1, seed },
      losses,
      info: { ...info, status: 'done' },
      weights: s.weights,
      optimizerStep: s.step,
    });
    await save(totalSteps, 'done');
  } finally {
    await trainer.dispose();
  }
  const heldOut = heldBefore !== null && typeof info.heldOutAfter === 'number' ? { before: heldBefore, after: info.heldOutAfter, documents: held.size } : null;
  return { checkpointKey: keys.model, losses, lossPlotPng: renderLossPlot(losses, { title: 'Fine-tune loss' }), heldOut, resumed: Boolean(existing), steps: totalSteps };
}
