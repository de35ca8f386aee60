import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { assistants } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import type { TrainingProgress } from '../../engine/index.ts';

/** How often, at most, a running fine-tune writes its progress (the API reads it, a chat edit shows it). */
export const FINETUNE_PROGRESS_INTERVAL_MS = 1000;

export type FinetuneProgressRecorder = {
  /** Takes one step's progress; written at once when the last write is old enough, else with the next one. Never throws. */
  record(p: TrainingProgress): void;
  /** Writes what is not written yet and waits for it; later `record` calls write nothing. */
  flush(): Promise<void>;
};

export type RecordFinetuneProgressParameters = {
  assistantId: number;
  /** Losses of the steps already done by an interrupted run this one resumes (its checkpoint's). */
  losses?: readonly number[] | undefined;
  intervalMs?: number | undefined;
};

/**
 * Starts recording a fine-tune's progress on its assistant's row: marks the training started,
 * then keeps the step, the planned steps and the loss history as the engine reports them, at
 * most once per `intervalMs` (and once more at the end, see `flush`). Writes go one after the
 * other, so an older state never lands after a newer one, and only while the assistant is
 * still training: a late write cannot undo `ready` or `failed`. Progress is best effort: a
 * failed write is logged and the next one tries again.
 */
export async function recordFinetuneProgress(
  deps: { db: Db; log?: Logger | undefined },
  params: RecordFinetuneProgressParameters,
): Promise<FinetuneProgressRecorder> {
  const interval = params.intervalMs ?? FINETUNE_PROGRESS_INTERVAL_MS;
  const losses = [...(params.losses ?? [])];
  const training = and(eq(assistants.id, params.assistantId), eq(assistants.status, 'training'));
  await deps.db
    .update(assistants)
    .set({
      finetuneStartedAt: sql`coalesce(${assistants.finetuneStartedAt}, now())`,
      losses,
      finetuneStep: losses.length || null,
      finetuneProgressAt: new Date(),
    })
    .where(training);

  let latest: { step: number; totalSteps: number } | undefined;
  let dirty = false;
  let closed = false;
  let lastWriteAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();

  const write = () => {
    if (!dirty || !latest) return chain;
    dirty = false;
    lastWriteAt = Date.now();
    const state = { finetuneStep: latest.step, finetuneTotalSteps: latest.totalSteps, losses: [...losses], finetuneProgressAt: new Date() };
    chain = chain.then(() =>
      deps.db
        .update(assistants)
        .set(state)
        .where(training)
        .then(
          () => undefined,
          (err: unknown) => {
            dirty = true;
            deps.log?.debug({ err: (err as Error).message, assistantId: params.assistantId }, 'fine-tune progress not recorded');
          },
        ),
    );
    return chain;
  };

  return {
    record(p) {
      if (closed) return;
      // A run that restarted from the base (changed data) reports step 1 again: history follows the steps.
      losses.length = Math.min(losses.length, Math.max(0, p.step - 1));
      losses.push(p.loss);
      latest = { step: p.step, totalSteps: p.totalSteps };
      dirty = true;
      const wait = lastWriteAt + interval - Date.now();
      if (wait <= 0) void write();
      else
        timer ??= setTimeout(() => {
          timer = undefined;
          if (!closed) void write();
        }, wait).unref();
    },
    async flush() {
      if (closed) return chain;
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      return write();
    },
  };
}
