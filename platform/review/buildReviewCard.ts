import type { Db } from '../db/client.ts';
import type { Dataset } from '../datasets/ingestUpload.ts';
import { formatBytes } from '../datasets/validateDataset.ts';
import type { DatasetInspection } from '../datasets/inspectDataset.ts';
import { createComponent } from '../chat/createComponent.ts';
import { fitLabel, type Reply } from '../chat/reply.ts';

/** How long the buttons of a review card work. */
export const REVIEW_CARD_TTL_MS = 30 * 24 * 3600 * 1000;

/**
 * The card a validator reviews from: the dataset's schema summary, a few sample rows (for their
 * eyes only: the card is sent to their DM or shown ephemerally), the automatic findings, how
 * many approvals it has, and Approve / Reject buttons that only this validator can press, once.
 */
export async function buildReviewCard(
  deps: { db: Db },
  params: { dataset: Dataset; inspection: DatasetInspection; validatorUserId: number; approvals: number; quorum: number },
): Promise<Reply> {
  const { dataset: d, inspection } = params;
  const s = inspection.summary;
  const lines = [
    `🔍 Review ${d.publicId} — ${d.name}`,
    `${d.format.toUpperCase()} · ${d.rows.toLocaleString('en')} rows · ${formatBytes(d.bytes)} · ${d.access === 'open' ? '🌐 open to everyone’s assistants' : '🔒 private to its owner'}`,
  ];
  if (s.format === 'csv' || s.format === 'jsonl') {
    lines.push('', 'Columns:');
    for (const c of s.columns.slice(0, 12)) lines.push(`• ${c.name} — ${c.type}, filled in ${c.filled.toLocaleString('en')} of ${s.rows.toLocaleString('en')} rows`);
    if (s.columns.length > 12) lines.push(`• … and ${s.columns.length - 12} more`);
  } else {
    const t = s as Extract<typeof s, { format: 'txt' | 'md' }>;
    lines.push('', `${t.lines.toLocaleString('en')} lines, ${t.nonEmptyLines.toLocaleString('en')} with text, ${Math.round(t.averageLineLength)} characters on average`);
  }
  lines.push('', inspection.findings.length ? 'Automatic findings:' : 'Automatic findings: none.');
  for (const f of inspection.findings)
    lines.push(`${f.severity === 'warning' ? '⚠️' : 'ℹ️'} ${f.message}${f.locations.length ? ` (${f.locations.join(', ')})` : ''}`);
  if (inspection.samples.length) {
    lines.push('', 'Sample rows (shown to you only):');
    for (const sample of inspection.samples) lines.push(`${sample.location}: ${sample.text}`);
  }
  lines.push('', `Approvals: ${params.approvals}/${params.quorum}. You cannot undo a vote.`);

  const data = { datasetId: d.id };
  const [approve, reject] = await Promise.all([
    createComponent(deps, { action: 'review.approve', data, ownerUserId: params.validatorUserId, once: true, ttlMs: REVIEW_CARD_TTL_MS }),
    createComponent(deps, { action: 'review.reject', data, ownerUserId: params.validatorUserId, ttlMs: REVIEW_CARD_TTL_MS }),
  ]);
  return {
    text: lines.join('\n'),
    personal: true,
    rows: [
      {
        buttons: [
          { kind: 'button', label: fitLabel(`Approve ${d.publicId}`), id: approve, style: 'success' },
          { kind: 'button', label: 'Reject with a reason…', id: reject, style: 'danger' },
        ],
      },
    ],
  };
}
