import type { Db } from '../db/client.ts';
import { BaseError } from '../errors.ts';
import { renderLossPlot } from '../../engine/plot/renderLossPlot.ts';
import { getFinetune } from './getFinetune.ts';

/** The fine-tune has no recorded loss yet (queued, or before its first step). */
export class NoLossYetError extends BaseError {
  override name = 'NoLossYetError' as const;
}

/**
 * The loss curve of one of `userId`'s assistants as a PNG: the picture the chat sends when a
 * fine-tune finishes (same renderer, same title), drawn from the losses recorded so far, so it
 * also shows a run in progress. Someone else's assistant is unknown (`NotFoundError`).
 *
 * @throws NoLossYetError when no step is recorded yet.
 */
export async function renderFinetuneLossPlot(deps: { db: Db }, params: { userId: number; idText: string }): Promise<Uint8Array> {
  const f = await getFinetune(deps, params);
  if (!f.losses.length) {
    const why = { queued: 'its fine-tune is queued', training: 'its fine-tune has not finished a step yet', failed: 'its fine-tune failed before its first step', ready: 'no loss was recorded' }[f.status];
    throw new NoLossYetError(`${f.assistant.publicId} has no loss yet: ${why}.`);
  }
  return renderLossPlot(f.losses, { title: 'Fine-tune loss' });
}
