import type { Currency } from '../money/currencies.ts';
import type { WebhookEvent } from './types.ts';

/*
 * The events' payloads (`data`) and ids, built from what happened. Ids are derived from it, so
 * the same happening emitted twice is one event.
 */

/** `dataset.reviewed`, for the dataset's owner, once its review concluded (approved or rejected); null while pending. */
export function datasetReviewedEvent(dataset: {
  ownerId: number;
  publicId: string;
  name: string;
  status: string;
  rejectionReason: string | null;
}): WebhookEvent | null {
  if (dataset.status !== 'approved' && dataset.status !== 'rejected') return null;
  return {
    userId: dataset.ownerId,
    type: 'dataset.reviewed',
    eventId: `dataset.reviewed:${dataset.publicId}`,
    data: {
      dataset: { id: dataset.publicId, name: dataset.name },
      status: dataset.status,
      reason: dataset.status === 'rejected' ? dataset.rejectionReason : null,
    },
  };
}

/** `finetune.finished`, for the assistant's creator, when its fine-tune ended: `ready` (with steps and final loss) or `failed` (with why). */
export function finetuneFinishedEvent(
  assistant: { ownerId: number; publicId: string; name: string },
  outcome: { status: 'ready'; steps: number; finalLoss: number } | { status: 'failed'; error: string },
): WebhookEvent {
  return {
    userId: assistant.ownerId,
    type: 'finetune.finished',
    eventId: `finetune.finished:${assistant.publicId}`,
    data: {
      assistant: { id: assistant.publicId, name: assistant.name },
      status: outcome.status,
      steps: outcome.status === 'ready' ? outcome.steps : null,
      finalLoss: outcome.status === 'ready' && Number.isFinite(outcome.finalLoss) ? outcome.finalLoss : null,
      error: outcome.status === 'failed' ? outcome.error : null,
    },
  };
}

/**
 * `earning.credited`, for the user owning the holder address, once per earning: the id is the
 * earning's chain key (chain, transaction, log index, holder), so a reorg that replays it sends
 * nothing new.
 */
export function earningCreditedEvent(
  userId: number,
  earning: { chainId: number; txHash: string; logIndex: number; holder: string; assetId: bigint; token: string; amount: bigint; cause: string },
  asset: { name: string | undefined; currency: Currency | undefined },
): WebhookEvent {
  const holder = earning.holder.toLowerCase();
  return {
    userId,
    type: 'earning.credited',
    eventId: `earning.credited:${earning.chainId}:${earning.txHash.toLowerCase()}:${earning.logIndex}:${holder}`,
    data: {
      asset: { chainId: earning.assetId.toString(), name: asset.name ?? null },
      amount: earning.amount.toString(),
      token: earning.token,
      currency: asset.currency ? { symbol: asset.currency.symbol, decimals: asset.currency.decimals } : null,
      cause: earning.cause,
      holder: earning.holder,
      chain: { id: earning.chainId, txHash: earning.txHash, logIndex: earning.logIndex },
    },
  };
}
