import type { IngestStage } from '../datasets/ingestUpload.ts';
import { formatBytes } from '../datasets/validateDataset.ts';
import type { DatasetView } from '../datasets/listUserDatasets.ts';
import { percent } from './format.ts';

/** What the bots say about uploads, datasets and their receipts (plain text every transport can show). */

const STAGES: IngestStage[] = ['downloading', 'validating', 'encrypting', 'storing'];
const STAGE_LABEL: Record<IngestStage, string> = {
  downloading: 'Downloading',
  validating: 'Checking format and rows',
  encrypting: 'Hashing and encrypting',
  storing: 'Storing',
};

export type UploadPhase = IngestStage | 'queued' | 'review' | 'minting';

/** The progress message of an upload, edited as the job moves on. `reviewNote` details the review line. */
export function uploadProgress(fileName: string, phase: UploadPhase, opts: { downloadPct?: number | undefined; reviewNote?: string | undefined } = {}): string {
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
    if (i < at) lines.push(`✅ ${label[p]}${p === 'review' && opts.reviewNote ? ` — ${opts.reviewNote}` : ''}`);
    else if (i === at) {
      const extra = p === 'downloading' && opts.downloadPct !== undefined ? ` ${opts.downloadPct}%` : p === 'review' && opts.reviewNote ? ` — ${opts.reviewNote}` : '…';
      lines.push(`⏳ ${label[p]}${extra}`);
    }
  }
  return lines.join('\n');
}

export const uploadRejected = (fileName: string, message: string) =>
  `❌ ${fileName} was not accepted.\n${message}\n\nNothing was stored. Fix the file and send it again.`;

export const uploadInterrupted = (fileName: string) =>
  `⚠️ The upload of ${fileName} was interrupted before it finished.\nNothing was stored. Please send the file again.`;

export const uploadDuplicate = (fileName: string, datasetPublicId: string | null) =>
  `ℹ️ ${fileName} has the same content as ${datasetPublicId ? `dataset ${datasetPublicId}` : 'a dataset'} already on Caravan.` +
  '\nNothing new was stored and no second receipt was minted.';

export const uploadFailed = (fileName: string, reason: string) =>
  `⚠️ Processing ${fileName} failed: ${reason}\nNothing was half-written. Please try again later.`;

export const accessQuestion = (fileName: string) =>
  `Who may build assistants on ${fileName}?\n` +
  '🌐 Open: anyone’s assistants may learn from it; each records it on-chain as a source it was trained on, and a royalty share of their license sales is paid to its receipts.\n' +
  '🔒 Private: only your own assistants may use it.\n' +
  'It stays private until you choose.';

export const accessChosen = (fileName: string, access: 'open' | 'private') =>
  access === 'open'
    ? `🌐 ${fileName} is open: anyone’s assistants may learn from it once it is accepted.`
    : `🔒 ${fileName} is private: only your own assistants may use it.`;

export const datasetRejectedByReview = (fileName: string, publicId: string, reason: string) =>
  `❌ ${fileName} (${publicId}) was declined in review.\nReason: ${reason}\n\nNo receipt was minted. You can fix the data and send it again.`;

/** A receipt as the chain recorded it: shares of the asset's total, read back after minting. */
export type ReceiptLine = { chainReceiptId: bigint; shares: bigint; totalShares: bigint; holder: string; issueTx: string };

export function receiptMinted(
  d: { publicId: string; name: string; rows: number; bytes: number; format: string; sha256: string },
  asset: { chainAssetId: bigint },
  r: ReceiptLine,
  review: { approvals: number } | 'auto',
): string {
  return [
    `✅ Dataset ${d.publicId} accepted — ${d.name}`,
    review === 'auto'
      ? 'Approved automatically: no validators are appointed on this platform.'
      : `Approved by ${review.approvals} validator${review.approvals === 1 ? '' : 's'}.`,
    `${d.rows.toLocaleString('en')} rows · ${formatBytes(d.bytes)} · ${d.format.toUpperCase()}`,
    `sha256: 0x${d.sha256}`,
    '',
    `🧾 Receipt #${r.chainReceiptId} for asset #${asset.chainAssetId} (non-transferable, ${percent(r.shares, r.totalShares)} of the asset)`,
    `holder: ${r.holder}`,
    `tx: ${r.issueTx}`,
  ].join('\n');
}

export const reviewerReceiptMinted = (d: { publicId: string; name: string }, asset: { chainAssetId: bigint }, r: ReceiptLine) =>
  [
    `🧾 Thank you for reviewing ${d.name} (${d.publicId}).`,
    `Your reviewer receipt #${r.chainReceiptId} holds ${percent(r.shares, r.totalShares)} of asset #${asset.chainAssetId} (non-transferable).`,
    `holder: ${r.holder}`,
    `tx: ${r.issueTx}`,
  ].join('\n');

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
    lines.push(`${r.publicId} ${r.name} — ${r.rows.toLocaleString('en')} rows, ${formatBytes(r.bytes)}, ${r.access === 'open' ? '🌐 open' : '🔒 private'} — ${status}`);
    lines.push(`   sha256 0x${r.sha256.slice(0, 16)}…`);
  }
  lines.push('', '/dataset <id> shows one, and opens or closes it to others’ assistants.');
  return lines.join('\n');
}
