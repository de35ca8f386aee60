import fsp from 'node:fs/promises';
import { z } from 'zod';
import { InputError, ServiceError } from '../../platform/errors.ts';
import { findDataset } from '../../platform/datasets/findDataset.ts';
import { getOpenDataset } from '../../platform/datasets/getOpenDataset.ts';
import { getUpload, type UploadView } from '../../platform/datasets/getUpload.ts';
import { listUserDatasets, type DatasetView } from '../../platform/datasets/listUserDatasets.ts';
import { submitUpload } from '../../platform/datasets/submitUpload.ts';
import { DatasetRejectedError, formatBytes } from '../../platform/datasets/validateDataset.ts';
import type { V1Deps } from './createV1Router.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { defineRoute, pageOf, pageQuery, type Route } from './route.ts';
import { idParam, timestamp } from './schemas.ts';
import { stageMultipartFile } from './stageMultipartFile.ts';

const datasetStatus = z
  .enum(['pending_review', 'approved', 'rejected'])
  .meta({ description: '`pending_review` until validators (or, with none appointed, the automatic review) decide.' });
const access = z.enum(['private', 'open']).meta({ description: '`open`: anyone may build assistants on it (it earns through lineage); `private`: only you.' });

const datasetSchema = z
  .object({
    id: z.string().meta({ example: 'ds_4k9x2m7qa1' }),
    name: z.string().meta({ description: 'The file name it was uploaded as.', example: 'faq.csv' }),
    format: z.enum(['csv', 'jsonl', 'txt', 'md']),
    rows: z.number().int().meta({ description: 'Rows (CSV, JSONL) or non-empty lines (text).' }),
    bytes: z.number().int(),
    columns: z.array(z.string()).nullable().meta({ description: 'CSV columns; null for other formats.' }),
    sha256: z.string().meta({ description: 'sha256 of the content (hex): the on-chain asset\'s content hash.' }),
    status: datasetStatus,
    rejectionReason: z.string().nullable().meta({ description: 'Why review declined it (yours only); null otherwise.' }),
    access,
    mine: z.boolean().meta({ description: 'Whether it is yours.' }),
    chainAssetId: z.string().nullable().meta({ description: 'Its on-chain asset id once registered (after approval), as a decimal string.', example: '7' }),
    receipt: z
      .object({
        id: z.string().meta({ description: 'The contributor receipt\'s on-chain id.' }),
        holder: z.string().meta({ description: 'The address holding it.' }),
        txHash: z.string().meta({ description: 'The transaction that minted it.' }),
      })
      .nullable()
      .meta({ description: 'Your contributor receipt, once minted (yours only).' }),
    createdAt: timestamp,
  })
  .meta({ id: 'Dataset' });

const uploadStatus = z
  .enum(['queued', 'processing', 'accepted', 'duplicate', 'rejected', 'failed'])
  .meta({
    description:
      '`queued` → `processing` → `accepted` (a dataset, now in review), `duplicate` (the same content is already a dataset), ' +
      '`rejected` (the file failed validation: see `reason`) or `failed` (it could not be processed; try again).',
  });

const uploadSchema = z
  .object({
    id: z.string().meta({ description: 'The upload id (a UUID).', example: '0b6f3c1e-8f7a-4d2b-9c5e-1a2b3c4d5e6f' }),
    fileName: z.string().meta({ example: 'faq.csv' }),
    status: uploadStatus,
    reason: z.string().nullable().meta({ description: 'Why it was rejected, failed or is a duplicate.' }),
    access: access.nullable().meta({ description: 'Who may build on the data, as chosen with the upload.' }),
    dataset: z
      .object({ id: z.string().meta({ example: 'ds_4k9x2m7qa1' }), status: datasetStatus })
      .nullable()
      .meta({ description: 'The dataset it became (accepted), or your earlier dataset it repeats (duplicate); follow its review with `GET /datasets/{id}`.' }),
    bytes: z.number().int().nullable().meta({ description: 'Size of the file received.' }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Upload' });

const ERROR_OF: Record<string, { status: number; error: string }> = {
  too_large: { status: 413, error: 'too_large' },
  unsupported_format: { status: 415, error: 'unsupported_format' },
};

function datasetJson(d: DatasetView & { mine: boolean }) {
  return {
    id: d.publicId,
    name: d.name,
    format: d.format as 'csv' | 'jsonl' | 'txt' | 'md',
    rows: d.rows,
    bytes: d.bytes,
    columns: d.columns,
    sha256: d.sha256,
    status: d.status as 'pending_review' | 'approved' | 'rejected',
    rejectionReason: d.mine ? d.rejectionReason : null,
    access: d.access,
    mine: d.mine,
    chainAssetId: d.chainAssetId?.toString() ?? null,
    receipt: d.mine && d.chainReceiptId !== null ? { id: d.chainReceiptId.toString(), holder: d.receiptHolder!, txHash: d.receiptTx! } : null,
    createdAt: d.createdAt.toISOString(),
  };
}

function uploadJson(u: UploadView) {
  return {
    id: u.id,
    fileName: u.fileName,
    status: u.status,
    reason: u.reason,
    access: u.access,
    dataset: u.dataset ? { id: u.dataset.publicId, status: u.dataset.status } : null,
    bytes: u.declaredBytes,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  };
}

/** `/v1/datasets` and `/v1/uploads`: upload files, follow them to datasets and their review. */
export function datasetRoutes(deps: V1Deps): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: '/datasets',
      operationId: 'uploadDataset',
      summary: 'Upload a file to become a dataset',
      description:
        'One file as `multipart/form-data` (field `file`; optional field `access`), with the same validation and limits as uploads in the chat: ' +
        '.csv, .jsonl, .txt or .md, the configured size, rows and line length, and the daily upload limit. ' +
        'The file is stored and queued at once (202); it is then validated, encrypted, stored and sent to review: follow it with `GET /uploads/{id}`. ' +
        'Refused at once: no or several files, unknown fields, a malformed or cut-short body (400), a file over the size limit (413), ' +
        'a body that is not multipart or a file type datasets cannot have (415), the daily limit spent (429). Nothing is kept of a refused upload.',
      tag: 'datasets',
      auth: 'personal',
      rawBody: {
        contentType: 'multipart/form-data',
        description: 'The file and who may build on it.',
        schema: {
          type: 'object',
          required: ['file'],
          properties: {
            file: { type: 'string', format: 'binary', description: 'The file, with its name (.csv, .jsonl, .txt or .md).' },
            access: { type: 'string', enum: ['private', 'open'], default: 'private', description: '`open`: anyone may build assistants on it; `private` (default): only you.' },
          },
        },
      },
      errors: [413, 415],
      responses: { 202: { description: 'Received and queued.', schema: uploadSchema } },
      handle: async ({ principal, req, res }) => {
        const { jobs, stagingDir, datasetLimits: limits } = deps;
        if (!jobs || !stagingDir || !limits) throw new ServiceError('Uploads are not taken by this process.', { retryable: true });
        const refuse = (status: number, error: string, message: string) => {
          req.resume();
          res.status(status).json({ error, message });
        };
        if (!req.is('multipart/form-data'))
          return refuse(415, 'unsupported_media_type', 'Send the file as "Content-Type: multipart/form-data" with the file in the field "file".');
        // Clearly too large from the start: answered without storing a byte (the rest is read and dropped).
        const declared = Number(req.get('content-length'));
        if (Number.isFinite(declared) && declared > limits.maxBytes + 64 * 1024)
          return refuse(413, 'too_large', `The body is ${formatBytes(declared)}; a file can be at most ${formatBytes(limits.maxBytes)}.`);
        let staged;
        try {
          staged = await stageMultipartFile(req, { stagingDir, maxBytes: limits.maxBytes, fileField: 'file', fields: ['access'] });
          const chosen = access.safeParse(staged.fields.access ?? 'private');
          if (!chosen.success) throw new InputError('The form field "access" must be "private" or "open".');
          const { uploadId } = await submitUpload(
            { db: deps.money.db, jobs, limits, fairUse: deps.fairUse },
            { userId: principal.userId, fileName: staged.fileName, size: staged.bytes, source: { kind: 'staged', path: staged.path }, access: chosen.data },
          );
          return uploadJson(await getUpload(deps.money, { userId: principal.userId, uploadId }));
        } catch (err) {
          // Refused after staging (wrong field, the daily limit): the staged copy goes at once.
          if (staged) await fsp.rm(staged.path, { force: true });
          if (err instanceof DatasetRejectedError) {
            const e = ERROR_OF[err.reason] ?? { status: 400, error: err.reason };
            return refuse(e.status, e.error, err.shortMessage);
          }
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: '/uploads/{id}',
      operationId: 'getUpload',
      summary: 'One of your uploads: where it is, and the dataset it became',
      tag: 'datasets',
      auth: 'personal',
      params: idParam('The upload id.', '0b6f3c1e-8f7a-4d2b-9c5e-1a2b3c4d5e6f'),
      errors: [404],
      responses: { 200: { description: 'The upload.', schema: uploadSchema } },
      handle: async ({ principal, params }) => uploadJson(await getUpload(deps.money, { userId: principal.userId, uploadId: params.id })),
    }),
    defineRoute({
      method: 'get',
      path: '/datasets',
      operationId: 'listDatasets',
      summary: 'Your datasets, with their review status and on-chain receipts',
      tag: 'datasets',
      auth: 'personal',
      query: pageQuery,
      responses: { 200: { description: 'A page of your datasets, newest first.', schema: pageOf(datasetSchema, 'DatasetPage') } },
      handle: async ({ principal, query }) => {
        const rows = await listUserDatasets(deps.money, principal.userId, query.limit + 1, { before: decodeCursor(query.cursor) });
        const page = rows.slice(0, query.limit);
        return {
          items: page.map((d) => datasetJson({ ...d, mine: true })),
          nextCursor: encodeCursor(rows.length > query.limit ? page.at(-1)!.id : null),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/datasets/{id}',
      operationId: 'getDataset',
      summary: 'A dataset: yours in any state, others\' when open and approved',
      description: 'With a personal key, your own datasets in full (any status, rejection reason, receipt); anyone\'s open, approved datasets otherwise. Anything else is 404.',
      tag: 'datasets',
      auth: 'public',
      params: idParam('The dataset id.', 'ds_4k9x2m7qa1'),
      errors: [401, 404],
      responses: { 200: { description: 'The dataset.', schema: datasetSchema } },
      handle: async ({ params, principal }) => {
        // A license key acts only for its assistant: it sees what anyone sees.
        if (principal?.kind === 'personal') return datasetJson(await findDataset(deps.money, { userId: principal.userId, idText: params.id }));
        const d = await getOpenDataset(deps.money, params.id);
        return {
          id: d.id,
          name: d.name,
          format: d.format as 'csv' | 'jsonl' | 'txt' | 'md',
          rows: d.rows,
          bytes: d.bytes,
          columns: d.columns,
          sha256: d.sha256,
          status: d.status,
          rejectionReason: null,
          access: d.access,
          mine: false,
          chainAssetId: d.chainAssetId?.toString() ?? null,
          receipt: null,
          createdAt: d.createdAt.toISOString(),
        };
      },
    }),
  ];
}
