import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response, type Router } from 'express';
import busboy from 'busboy';
import { z } from 'zod';
import { BaseError } from '../../platform/errors.ts';
import { LimitExceededError } from '../../platform/limits/errors.ts';
import { DatasetRejectedError } from '../../platform/datasets/validateDataset.ts';
import { beginStaging, type StagingUpload } from '../../platform/storage/staging.ts';
import { uploadInterrupted, uploadRejected } from '../../platform/messages/uploads.ts';
import { appendWebMessage } from '../../platform/webchat/appendWebMessage.ts';
import { listWebMessages } from '../../platform/webchat/listWebMessages.ts';
import { readWebImage } from '../../platform/webchat/readWebImage.ts';
import type { Db } from '../../platform/db/client.ts';
import type { DatasetLimits } from '../../platform/datasets/validateDataset.ts';
import type { TransportOutbox } from '../../platform/notifications/types.ts';
import type { Logger } from '../../platform/log.ts';
import type { ChatCore } from '../core/createChatCore.ts';
import type { Conversation } from '../core/types.ts';

export type WebChatDeps = { db: Db; core: ChatCore; outbox: TransportOutbox; limits: DatasetLimits; stagingDir: string; log: Logger };

const chatId = z.string().uuid('chatId must be a UUID');
const messageBody = z.object({ chatId, text: z.string().trim().min(1, 'text is empty').max(4000, 'text is over 4000 characters') });
const actionBody = z.object({
  chatId,
  /** The message the control is on (its edits replace that message). */
  messageId: z.number().int().positive(),
  control: z.string().min(1).max(64),
  values: z.array(z.string().max(100)).max(25).optional(),
  toggle: z.string().max(100).optional(),
  fields: z.record(z.string().max(64), z.string().max(4000)).optional(),
});
/** Cursors are the server's own microsecond timestamps, passed back verbatim. */
const pollQuery = z.object({
  chatId,
  since: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/, 'since must be a cursor from an earlier poll')
    .optional(),
});
const uploadQuery = z.object({ chatId, access: z.enum(['open', 'private']).optional() });

const pageFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'chat.html');

/** HTTP status for a refused upload: the reason decides (too large 413, wrong type 415, over the limit 429). */
function statusOf(err: unknown): { status: number; error: string; message: string; retryAfterSec?: number } {
  if (err instanceof DatasetRejectedError)
    return { status: err.reason === 'too_large' ? 413 : err.reason === 'unsupported_format' ? 415 : 400, error: err.reason, message: err.shortMessage };
  if (err instanceof LimitExceededError)
    return { status: 429, error: 'limit_exceeded', message: err.shortMessage, retryAfterSec: Math.ceil(err.retryAfterMs / 1000) };
  if (err instanceof BaseError) return err.retryable ? { status: 503, error: 'unavailable', message: err.shortMessage } : { status: 400, error: 'bad_request', message: err.shortMessage };
  return { status: 500, error: 'internal', message: 'Internal error.' };
}

/**
 * The local web chat: a page and a few endpoints that drive the same chat core as the Telegram
 * and Discord bots, so `npm start` alone lets anyone try every journey in a browser. Every
 * request is validated; a bad one gets a 4xx with a JSON `{error, message}` and changes nothing.
 */
export function createWebChatRouter(deps: WebChatDeps): Router {
  const router = express.Router();
  const page = fs.readFileSync(pageFile, 'utf8');

  const conversation = (id: string, messageId?: number): Conversation => {
    const target = { transport: 'web' as const, chatId: id };
    return {
      identity: { platform: 'web', externalId: id, displayName: undefined },
      chat: { ...target, isPrivate: true },
      forms: 'native',
      multiSelect: 'values',
      ephemeral: true,
      reply: (reply) => deps.outbox.send(target, reply),
      ...(messageId ? { update: (reply) => deps.outbox.edit({ ...target, messageId: String(messageId) }, reply) } : {}),
      notice: async (text) => {
        await deps.outbox.send(target, { text });
      },
    };
  };

  const fail = (res: Response, status: number, error: string, message: string) => {
    if (!res.headersSent) res.status(status).json({ error, message });
  };
  const issues = (e: z.ZodError) => e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');

  router.get('/chat', (_req, res) => {
    res.type('html').send(page);
  });

  router.post('/chat/api/messages', express.json({ limit: '16kb' }), async (req: Request, res: Response) => {
    const body = messageBody.safeParse(req.body);
    if (!body.success) return fail(res, 400, 'bad_request', issues(body.error));
    const { chatId: id, text } = body.data;
    await appendWebMessage(deps, { chatId: id, fromBot: false, reply: { text } });
    await deps.core.onText(conversation(id), text);
    res.status(202).json({ ok: true });
  });

  router.post('/chat/api/actions', express.json({ limit: '32kb' }), async (req: Request, res: Response) => {
    const body = actionBody.safeParse(req.body);
    if (!body.success) return fail(res, 400, 'bad_request', issues(body.error));
    const { chatId: id, messageId, control, values, toggle, fields } = body.data;
    await deps.core.onControl(conversation(id, messageId), control, { values, toggle, fields });
    res.status(202).json({ ok: true });
  });

  router.get('/chat/api/messages', async (req: Request, res: Response) => {
    const q = pollQuery.safeParse(req.query);
    if (!q.success) return fail(res, 400, 'bad_request', issues(q.error));
    const rows = await listWebMessages(deps, { chatId: q.data.chatId, since: q.data.since });
    res.json({
      messages: rows.map((r) => ({
        id: r.id,
        fromBot: r.fromBot,
        text: r.text,
        ...(r.hasImage ? { image: `/chat/api/images/${r.id}?chatId=${q.data.chatId}` } : {}),
        ...(r.controls ? { controls: r.controls } : {}),
        cursor: r.cursor,
      })),
    });
  });

  router.get('/chat/api/images/:id', async (req: Request, res: Response) => {
    const id = z.coerce.number().int().positive().safeParse(req.params.id);
    const chat = chatId.safeParse(req.query.chatId);
    if (!id.success || !chat.success) return fail(res, 400, 'bad_request', 'expected an image id and the chatId it belongs to');
    const png = await readWebImage(deps, { chatId: chat.data, messageId: id.data });
    if (!png) return fail(res, 404, 'not_found', 'No such image.');
    res.type('png').set('cache-control', 'private, max-age=86400').send(png);
  });

  /**
   * A file upload (multipart, one file). Answers 202 `{uploadId, status:'queued'}` once the file
   * is staged and queued, or a 4xx `{error, message}` with the reason it was refused. A body cut
   * short, an aborted request or a malformed form never crash the process: the staged part is
   * removed at once and the chat says the upload was interrupted.
   */
  router.post('/chat/api/upload', (req: Request, res: Response) => {
    const q = uploadQuery.safeParse(req.query);
    if (!q.success) return fail(res, 400, 'bad_request', issues(q.error));
    const id = q.data.chatId;
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fields: 0, fileSize: deps.limits.maxBytes + 1 } });
    } catch {
      return fail(res, 400, 'bad_request', 'Expected a multipart/form-data upload with one file.');
    }
    let staging: StagingUpload | undefined;
    let fileName = 'file';
    let settled = false;
    let shown: Promise<unknown> = Promise.resolve();

    const interrupted = (why: string) => {
      if (settled) return;
      settled = true;
      staging?.abort();
      deps.log.info({ chatId: id, why }, 'web upload interrupted');
      if (staging)
        void shown.then(() => appendWebMessage(deps, { chatId: id, fromBot: true, reply: { text: uploadInterrupted(fileName) } })).catch(() => {});
      fail(res, 400, 'bad_request', `The upload was interrupted (${why}); nothing was stored.`);
    };

    bb.on('file', (_field, stream, info) => {
      if (staging) {
        stream.resume();
        return;
      }
      fileName = path.basename(info.filename || 'file').slice(0, 200);
      staging = beginStaging(deps.stagingDir, stream, deps.limits.maxBytes);
      shown = appendWebMessage(deps, { chatId: id, fromBot: false, reply: { text: `📎 ${fileName}` } }).catch(() => 0);
    });
    bb.on('error', (err: Error) => interrupted(err.message));
    req.on('error', (err) => interrupted(err.message));
    req.on('close', () => {
      if (!req.complete) interrupted('the connection closed before the end of the file');
    });
    bb.on('close', () => {
      if (settled) return;
      if (!staging) {
        settled = true;
        return fail(res, 400, 'bad_request', 'The upload had no file.');
      }
      const current = staging;
      void (async () => {
        let staged: { path: string; bytes: number };
        try {
          staged = await current.done;
        } catch (err) {
          if (settled) return;
          settled = true;
          if (err instanceof DatasetRejectedError) {
            await shown;
            await appendWebMessage(deps, { chatId: id, fromBot: true, reply: { text: uploadRejected(fileName, err.shortMessage) } });
            const s = statusOf(err);
            return fail(res, s.status, s.error, s.message);
          }
          return interrupted((err as Error).message);
        }
        settled = true;
        await shown;
        const result = await deps.core.onFile(conversation(id), { fileName, size: staged.bytes, source: { kind: 'staged', path: staged.path } }, q.data.access);
        if ('uploadId' in result) return res.status(202).json({ uploadId: result.uploadId, status: 'queued' });
        fs.rmSync(staged.path, { force: true });
        const s = statusOf(result.error);
        if (s.retryAfterSec) res.set('retry-after', String(s.retryAfterSec));
        fail(res, s.status, s.error, s.message);
      })().catch((err: unknown) => {
        deps.log.error({ err }, 'web upload failed');
        fail(res, 500, 'internal', 'Internal error.');
      });
    });
    req.pipe(bb);
  });

  return router;
}
