import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { assistants } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { parsePublicId } from '../ids.ts';
import type { Assistant } from './createAssistant.ts';

/** Where an assistant's fine-tune is: waiting for a worker, training, done, or given up. */
export type FinetuneStatus = 'queued' | 'training' | 'ready' | 'failed';

export type FinetuneView = {
  assistant: Assistant;
  status: FinetuneStatus;
  /** Why it failed (after its last attempt). */
  error: string | null;
  /** Steps done and planned, once the first step is recorded; a finished run is at its last step. */
  progress: { step: number; totalSteps: number; percent: number } | null;
  /** Training loss after each step so far (the whole curve once ready). */
  losses: number[];
  /**
   * Loss per byte on rows held out of training (every 20th row, at most 64), with the base
   * weights and after fine-tuning; null until ready, and for data of fewer than 10 rows (all trained on).
   */
  heldOutLoss: { before: number; after: number; rows: number } | null;
  startedAt: Date | null;
  /** When progress was last recorded (at most once a second while training). */
  updatedAt: Date | null;
};

/**
 * The fine-tune of one of `userId`'s assistants, as it trains (see `recordFinetuneProgress`).
 * Someone else's assistant is unknown, whatever its visibility: training is its owner's business.
 */
export async function getFinetune(deps: { db: Db }, params: { userId: number; idText: string }): Promise<FinetuneView> {
  const publicId = parsePublicId('as', params.idText);
  const unknown = () => new NotFoundError(`There is no assistant ${params.idText.trim().slice(0, 40) || '(none given)'} of yours.`);
  if (!publicId) throw unknown();
  const [a] = await deps.db
    .select()
    .from(assistants)
    .where(and(eq(assistants.publicId, publicId), eq(assistants.ownerId, params.userId)));
  if (!a) throw unknown();
  const losses = a.losses ?? [];
  const status: FinetuneStatus = a.status !== 'training' ? a.status : a.finetuneStartedAt ? 'training' : 'queued';
  let progress: FinetuneView['progress'] = null;
  if (status === 'ready') {
    const total = a.finetuneTotalSteps ?? losses.length;
    progress = { step: total, totalSteps: total, percent: 100 };
  } else if (a.finetuneStep !== null && a.finetuneTotalSteps) {
    const step = Math.min(a.finetuneStep, a.finetuneTotalSteps);
    progress = { step, totalSteps: a.finetuneTotalSteps, percent: Math.floor((100 * step) / a.finetuneTotalSteps) };
  }
  return {
    assistant: a,
    status,
    error: status === 'failed' ? a.lastError : null,
    progress,
    losses,
    heldOutLoss: status === 'ready' ? (a.heldOutLoss ?? null) : null,
    startedAt: a.finetuneStartedAt,
    updatedAt: a.finetuneProgressAt,
  };
}
