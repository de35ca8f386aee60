import type { IngestStage } from '../../platform/datasets/ingestUpload.ts';
import type { DatasetView } from '../../platform/datasets/listUserDatasets.ts';
import { formatBytes } from '../../platform/datasets/validateDataset.ts';
import type { MintedReceipt } from '../../platform/receipts/mintDatasetReceipt.ts';

/** Everything the bots say, as plain text every transport can show. */

export const HELP = [
  'Caravan — own the AI you help create.',
  '',
  '📤 Send a file (.csv, .jsonl, .txt or .md) to contribute a dataset. Once it is accepted you get an on-chain receipt that earns a share of its revenue.',
  '',
  '🤖 /newassistant builds an AI assistant from your datasets — no code: a short wizard, then it is trained and served.',
  '',
  'Commands:',
  '/datasets — your datasets and receipts',
  '/newassistant — create an assistant',
  '/assistants — yours and public ones',
  '/use <id> — chat with an assistant; /ask <id> <question> for one question',
  '/status — what the platform is running',
  '/help — this message',
].join('\n');

export const welcome = (name: string | undefined) =>
  `👋 Welcome${name ? `, ${name}` : ''}!\n\n${HELP}`;

const STAGES: IngestStage[] = ['downloading', 'validating', 'encrypting', 'storing'];
const STAGE_LABEL: Record<IngestStage, string> = {
  downloading: 'Downloading',
  validating: 'Checking format and rows',
  encrypting: 'Hashing and encrypting',
  storing: 'Storing',
};

export type UploadPhase = IngestStage | 'queued' | 'review' | 'minting';

/** The progress message of an upload, edited as the job moves on. */
export function uploadProgress(fileName: string, phase: UploadPhase, downloadPct?: number): string {
  const lines = [`📥 ${fileName}`];
  const order: UploadPhase[] = ['queued', ...STAGES, 'review', 'minting'];
  const at = order.indexOf(phase);
  const label: Record<UploadPhase, string> = {
    queued: 'Queued',
    ...STAGE_LABEL,
    review: 'Review',
    minting: 'Registering on-chain and minting your receipt',
  };
  for (const [i, p] of order.entries()) {
    if (i < at) lines.push(`✅ ${label[p]}`);
    else if (i === at)
      lines.push(`⏳ ${label[p]}${p === 'downloading' && downloadPct !== undefined ? ` ${downloadPct}%` : '…'}`);
  }
  return lines.join('\n');
}

export const uploadRejected = (fileName: string, message: string) =>
  `❌ ${fileName} was not accepted.\n${message}\n\nNothing was stored. Fix the file and send it again.`;

export const uploadDuplicate = (fileName: string, datasetId: number, receiptId: bigint | null) =>
  `ℹ️ ${fileName} has the same content as dataset #${datasetId}, which is already on Caravan` +
  (receiptId !== null ? ` (receipt #${receiptId}).` : '.') +
  '\nNothing new was stored and no second receipt was minted.';

export const uploadFailed = (fileName: string, reason: string) =>
  `⚠️ Processing ${fileName} failed: ${reason}\nNothing was half-written. Please try again later.`;

export const datasetRejectedByReview = (fileName: string, reason: string | undefined) =>
  `❌ ${fileName} was declined in review${reason ? `: ${reason}` : '.'}`;

export function receiptMinted(
  d: { id: number; name: string; rows: number; bytes: number; format: string; sha256: string },
  r: MintedReceipt,
): string {
  return [
    `✅ Dataset #${d.id} accepted — ${d.name}`,
    `${d.rows.toLocaleString('en')} rows · ${formatBytes(d.bytes)} · ${d.format.toUpperCase()}`,
    `sha256: 0x${d.sha256}`,
    '',
    `🧾 Receipt #${r.chainReceiptId} for asset #${r.chainAssetId} (non-transferable, 100% share)`,
    `holder: ${r.holder}`,
    `tx: ${r.issueTx}`,
  ].join('\n');
}

export function datasetList(rows: DatasetView[]): string {
  if (rows.length === 0) return 'You have no datasets yet. Send a .csv, .jsonl, .txt or .md file to contribute one.';
  const lines = ['📚 Your datasets:'];
  for (const r of rows) {
    const status =
      r.chainReceiptId !== null
        ? `🧾 receipt #${r.chainReceiptId}`
        : r.status === 'approved'
          ? '⏳ minting receipt'
          : r.status === 'pending_review'
            ? '🔍 in review'
            : '❌ declined';
    lines.push(`#${r.id} ${r.name} — ${r.rows.toLocaleString('en')} rows, ${formatBytes(r.bytes)} — ${status}`);
    lines.push(`   sha256 0x${r.sha256.slice(0, 16)}…`);
  }
  return lines.join('\n');
}

/** A text progress bar: `▓▓▓▓░░░░░░`. */
export function bar(fraction: number, width = 12): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return '▓'.repeat(full) + '░'.repeat(width - full);
}

const duration = (sec: number) =>
  !Number.isFinite(sec) ? '…' : sec < 60 ? `${Math.round(sec)} s` : `${Math.floor(sec / 60)} min ${Math.round(sec % 60)} s`;

/** The training message of a fine-tune, edited as steps complete. */
export function trainingProgress(
  name: string,
  assistantId: number,
  p: { epoch: number; step: number; totalSteps: number; loss: number; tokensPerSec: number; etaSec: number },
  resumedFrom?: number,
): string {
  const frac = p.totalSteps ? p.step / p.totalSteps : 0;
  return [
    `🧠 Training ${name} (assistant #${assistantId})`,
    `${bar(frac)} ${Math.round(frac * 100)}%`,
    `epoch ${p.epoch} · step ${p.step}/${p.totalSteps} · loss ${p.loss.toFixed(3)}`,
    `${Math.round(p.tokensPerSec).toLocaleString('en')} tokens/s · ETA ${duration(p.etaSec)}`,
    resumedFrom ? `↻ resumed from step ${resumedFrom}` : undefined,
  ]
    .filter(Boolean)
    .join('\n');
}

export const trainingDone = (name: string, assistantId: number, steps: number, first: number, last: number, resumedFrom?: number) =>
  `✅ ${name} is ready (assistant #${assistantId})\n${steps} steps · loss ${first.toFixed(3)} → ${last.toFixed(3)}` +
  (resumedFrom ? `\n↻ resumed from step ${resumedFrom} after an interruption` : '') +
  `\n\n/use ${assistantId} to chat with it.`;

export const trainingFailed = (name: string, reason: string) => `❌ Training ${name} failed: ${reason}`;

export const assistantRegistered = (name: string, r: { chainAssetId: bigint; chainReceiptId: bigint; holder: string; issueTx: string; parents: bigint[] }) =>
  [
    `🧾 ${name} is on-chain as asset #${r.chainAssetId}, trained on asset${r.parents.length > 1 ? 's' : ''} ${r.parents.map((p) => `#${p}`).join(', ')}`,
    `Your creator receipt #${r.chainReceiptId} (non-transferable); license fees also flow to the contributors of its datasets.`,
    `holder: ${r.holder}`,
    `tx: ${r.issueTx}`,
  ].join('\n');
