import { AbortedError } from '../errors.ts';
import type { BatchSource } from './batches.ts';

/** Progress of a training run, reported after every step. */
export type TrainingProgress = { epoch: number; step: number; totalSteps: number; loss: number; tokensPerSec: number; etaSec: number };

/** What the loop needs from a trainer: one step on a batch (a local or data-parallel trainer). */
export type StepTrainer = { step(batch: ReturnType<BatchSource['batch']>): number | Promise<number> };

/**
 * Runs steps `startStep` … `totalSteps − 1`, calling `checkpoint` every `checkpointEvery` steps
 * and at the end, reporting progress, yielding to the event loop between steps so abort signals
 * and timers are served, and saving a checkpoint before throwing {@link AbortedError} on abort.
 */
export async function runTraining(params: {
  trainer: StepTrainer;
  source: BatchSource;
  startStep: number;
  totalSteps: number;
  losses: number[];
  checkpointEvery: number;
  checkpoint: (step: number) => Promise<void>;
  onProgress?: ((p: TrainingProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
}): Promise<number[]> {
  const { trainer, source, totalSteps, losses, checkpointEvery } = params;
  const started = performance.now();
  let tokens = 0;
  let lastSaved = params.startStep;
  for (let step = params.startStep; step < totalSteps; step++) {
    if (params.signal?.aborted) {
      if (step > lastSaved) await params.checkpoint(step);
      throw new AbortedError({ cause: params.signal.reason });
    }
    const batch = source.batch(step);
    const loss = await trainer.step(batch);
    losses.push(loss);
    tokens += batch.B * batch.T;
    const done = step + 1;
    const elapsed = (performance.now() - started) / 1000;
    const tokensPerSec = elapsed > 0 ? tokens / elapsed : 0;
    params.onProgress?.({
      epoch: source.epochOf(step) + 1,
      step: done,
      totalSteps,
      loss,
      tokensPerSec,
      etaSec: tokensPerSec > 0 ? ((totalSteps - done) * batch.B * batch.T) / tokensPerSec : 0,
    });
    if (done % checkpointEvery === 0 && done < totalSteps) {
      await params.checkpoint(done);
      lastSaved = done;
    }
    await new Promise<void>((r) => setImmediate(r));
  }
  return losses;
}
