import { bar, duration } from './format.ts';

/** What the bots say about assistants: training progress, results and registration. */

export const trainingQueued = (a: { name: string; publicId: string }) =>
  `🧠 Training ${a.name} (${a.publicId})\n⏳ Queued — progress shows here.`;

/** The training message of a fine-tune, edited as steps complete. */
export function trainingProgress(
  a: { name: string; publicId: string },
  p: { epoch: number; step: number; totalSteps: number; loss: number; tokensPerSec: number; etaSec: number },
  resumedFrom?: number,
): string {
  const frac = p.totalSteps ? p.step / p.totalSteps : 0;
  return [
    `🧠 Training ${a.name} (${a.publicId})`,
    `${bar(frac)} ${Math.round(frac * 100)}%`,
    `epoch ${p.epoch} · step ${p.step}/${p.totalSteps} · loss ${p.loss.toFixed(3)}`,
    `${Math.round(p.tokensPerSec).toLocaleString('en')} tokens/s · ETA ${duration(p.etaSec)}`,
    resumedFrom ? `↻ resumed from step ${resumedFrom}` : undefined,
  ]
    .filter(Boolean)
    .join('\n');
}

export const trainingPaused = (a: { name: string; publicId: string }, step: number | undefined) =>
  `⏸ Training ${a.name} (${a.publicId}) paused${step ? ` at step ${step}` : ''}: the platform is restarting.\nIt resumes from its last checkpoint when the platform is back.`;

export const trainingDone = (
  a: { name: string; publicId: string },
  r: { steps: number; first: number; last: number; heldOut: { before: number; after: number; rows: number } | null; resumedFrom?: number | undefined },
) =>
  `✅ ${a.name} is ready (${a.publicId})\n${r.steps} steps · training loss ${r.first.toFixed(3)} → ${r.last.toFixed(3)}` +
  (r.heldOut
    ? `\nheld-out loss ${r.heldOut.before.toFixed(3)} → ${r.heldOut.after.toFixed(3)} (on ${r.heldOut.rows} row${r.heldOut.rows === 1 ? '' : 's'} kept out of training)`
    : '\nheld-out loss: not measured (under 10 rows: every row is trained on)') +
  (r.resumedFrom ? `\n↻ resumed from step ${r.resumedFrom} after an interruption` : '') +
  `\n\n/use ${a.publicId} to chat with it.`;

export const trainingFailed = (name: string, reason: string) => `❌ Training ${name} failed: ${reason}`;

export const lossCurveCaption = (name: string) => `📉 Loss curve of ${name}'s fine-tune`;

export const assistantRegistered = (name: string, r: { chainAssetId: bigint; chainReceiptId: bigint; holder: string; issueTx: string; parents: bigint[] }) =>
  [
    `🧾 ${name} is on-chain as asset #${r.chainAssetId}, trained on asset${r.parents.length > 1 ? 's' : ''} ${r.parents.map((p) => `#${p}`).join(', ')}`,
    `Your creator receipt #${r.chainReceiptId} (non-transferable); the assets it was trained on are recorded as its lineage on-chain.`,
    `holder: ${r.holder}`,
    `tx: ${r.issueTx}`,
  ].join('\n');
