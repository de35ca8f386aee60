import { z } from 'zod';
import { submitUpload } from '../../../platform/datasets/submitUpload.ts';
import { setUploadAccess } from '../../../platform/datasets/setUploadAccess.ts';
import { listUserDatasets } from '../../../platform/datasets/listUserDatasets.ts';
import { findDataset, type FoundDataset } from '../../../platform/datasets/findDataset.ts';
import { setDatasetAccess } from '../../../platform/datasets/setDatasetAccess.ts';
import { accessChosen, accessQuestion, datasetList, uploadProgress, uploadRejected } from '../../../platform/messages/uploads.ts';
import { DatasetRejectedError, formatBytes } from '../../../platform/datasets/validateDataset.ts';
import type { Reply } from '../../../platform/chat/reply.ts';
import { arg, defineAction, defineCommand, type Feature } from '../registry.ts';
import type { ChatContext } from '../context.ts';
import type { IncomingFile } from '../types.ts';

const ACCESS_CHOICES = [
  { label: 'open: anyone’s assistants may learn from it', value: 'open' },
  { label: 'private: only your assistants', value: 'private' },
] as const;

/** The question of who may build on an upload, with the two answers as buttons. */
async function accessPrompt(ctx: ChatContext, uploadId: string, fileName: string, chosen?: 'open' | 'private'): Promise<Reply> {
  const [open, priv] = await Promise.all([
    ctx.control('dataset.access', { uploadId, access: 'open' }),
    ctx.control('dataset.access', { uploadId, access: 'private' }),
  ]);
  return {
    text: chosen ? `${accessChosen(fileName, chosen)}\nYou can still change it:` : accessQuestion(fileName),
    rows: [
      {
        buttons: [
          { kind: 'button', label: chosen === 'open' ? '🌐 Open ✓' : '🌐 Open', id: open, style: chosen === 'open' ? 'success' : 'secondary' },
          { kind: 'button', label: chosen === 'private' ? '🔒 Private ✓' : '🔒 Private', id: priv, style: chosen === 'private' ? 'success' : 'secondary' },
        ],
      },
    ],
  };
}

/**
 * Takes a file someone sent (or attached to `/upload`): refused at once when its name, size or
 * the person's daily limit rule it out; otherwise a progress message the `ingest` job edits, and
 * — unless chosen with the upload — the question of who may build on it.
 */
export async function receiveFile(ctx: ChatContext, file: IncomingFile, access?: 'open' | 'private'): Promise<{ uploadId: string } | { error: unknown }> {
  const user = await ctx.user();
  let uploadId: string;
  try {
    ({ uploadId } = await submitUpload(ctx.deps, {
      userId: user.id,
      fileName: file.fileName,
      size: file.size,
      source: file.source,
      access,
      announce: async () => {
        // The progress message is edited by workers: visible in the chat, never ephemeral.
        const messageId = await ctx.reply({ text: uploadProgress(file.fileName, 'queued'), personal: false });
        return { transport: ctx.conv.chat.transport, chatId: ctx.conv.chat.chatId, messageId };
      },
    }));
  } catch (err) {
    if (!(err instanceof DatasetRejectedError)) throw err;
    await ctx.reply(uploadRejected(file.fileName, err.shortMessage));
    return { error: err };
  }
  if (!access) await ctx.reply({ ...(await accessPrompt(ctx, uploadId, file.fileName)), personal: true });
  return { uploadId };
}

const STATUS: Record<string, string> = { pending_review: '🔍 in review', approved: '✅ accepted', rejected: '❌ declined' };

/** One dataset's card; its owner gets buttons to open or close it. */
async function datasetCard(ctx: ChatContext, d: FoundDataset): Promise<Reply> {
  const lines = [
    `📄 ${d.publicId} ${d.name}${d.mine ? '' : ' (someone else’s, open)'}`,
    `${d.rows.toLocaleString('en')} rows · ${formatBytes(d.bytes)} · ${d.format.toUpperCase()}${d.columns?.length ? ` · columns: ${d.columns.join(', ')}` : ''}`,
    `${STATUS[d.status] ?? d.status}${d.rejectionReason ? ` — ${d.rejectionReason}` : ''}`,
    d.access === 'open' ? '🌐 open: anyone’s assistants may learn from it' : '🔒 private: only your assistants may use it',
    d.chainAssetId !== null ? `asset #${d.chainAssetId}${d.mine && d.chainReceiptId !== null ? ` · your receipt #${d.chainReceiptId}` : ''}` : undefined,
  ].filter(Boolean);
  if (!d.mine) return { text: lines.join('\n') };
  const other = d.access === 'open' ? 'private' : 'open';
  return {
    text: lines.join('\n'),
    rows: [
      {
        buttons: [
          {
            kind: 'button',
            label: other === 'open' ? '🌐 Open it to everyone' : '🔒 Make it private',
            id: await ctx.control('dataset.setAccess', { datasetId: d.id, access: other }),
          },
        ],
      },
    ],
  };
}

/** Uploads and datasets: `/upload`, `/dataset`, `/datasets`, and the open/private choice. */
export const datasetsFeature: Feature = {
  name: 'datasets',
  title: 'Data',
  commands: [
    defineCommand({
      name: 'upload',
      description: 'Contribute a dataset (.csv, .jsonl, .txt or .md) and earn an on-chain receipt',
      args: {
        file: arg.attachment('The dataset file'),
        access: arg.choice('Who may build on it', ACCESS_CHOICES, { required: false }),
      },
      async run(ctx, { file, access }) {
        if (!file) {
          await ctx.reply(
            `Send the file now: attach a .csv, .jsonl, .txt or .md file to a message (📎). Up to ${Math.floor(ctx.deps.limits.maxBytes / 1024 / 1024) || 1} MB.`,
          );
          return;
        }
        await receiveFile(ctx, file, access);
      },
    }),
    defineCommand({
      name: 'dataset',
      description: 'One dataset: its review, receipt and who may build on it (yours can be opened or closed)',
      args: { dataset: arg.dataset('The dataset') },
      personal: true,
      async run(ctx, { dataset }) {
        const d = await findDataset(ctx.deps, { userId: (await ctx.user()).id, idText: dataset });
        await ctx.reply(await datasetCard(ctx, d));
      },
    }),
    defineCommand({
      name: 'datasets',
      description: 'Your datasets, their review status and receipts',
      args: {},
      personal: true,
      async run(ctx) {
        await ctx.reply(datasetList(await listUserDatasets(ctx.deps, (await ctx.user()).id)));
      },
    }),
  ],
  actions: [
    defineAction({
      name: 'dataset.setAccess',
      data: z.object({ datasetId: z.number().int().positive(), access: z.enum(['open', 'private']) }),
      async run(ctx, { datasetId, access }) {
        const userId = (await ctx.user()).id;
        const { publicId } = await setDatasetAccess(ctx.deps, { userId, datasetId, access });
        await ctx.update(await datasetCard(ctx, await findDataset(ctx.deps, { userId, idText: publicId })));
      },
    }),
    defineAction({
      name: 'dataset.access',
      data: z.object({ uploadId: z.string().uuid(), access: z.enum(['open', 'private']) }),
      async run(ctx, data) {
        const done = await setUploadAccess(ctx.deps, { userId: (await ctx.user()).id, uploadId: data.uploadId, access: data.access });
        await ctx.update(await accessPrompt(ctx, data.uploadId, done.fileName, done.access));
      },
    }),
  ],
};
