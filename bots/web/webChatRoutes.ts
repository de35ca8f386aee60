import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response, type Router } from 'express';
import busboy from 'busboy';
import { z } from 'zod';
import { and, asc, eq, sql } from 'drizzle-orm';
import { webMessages } from '../../platform/db/schema.ts';
import { DatasetRejectedError } from '../../platform/datasets/validateDataset.ts';
import { stageStream } from '../../platform/storage/staging.ts';
import { describeError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/log.ts';
import { handleText, type CommandDeps } from '../core/handleCommand.ts';
import { handleFile, type FileDeps } from '../core/handleFile.ts';
import { uploadRejected } from '../core/messages.ts';
import type { Conversation } from '../core/types.ts';
import type { ChatOutbox } from '../../platform/notifications/types.ts';

export type WebChatDeps = CommandDeps & FileDeps & { outbox: ChatOutbox; stagingDir: string; log: Logger };

const chatId = z.string().uuid('chatId must be a UUID');
const messageBody = z.object({ chatId, text: z.string().trim().min(1, 'text is empty').max(4000, 'text is over 4000 characters') });
/** Cursors are the server's own microsecond timestamps, passed back verbatim. */
const pollQuery = z.object({
  chatId,
  since: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/, 'since must be a cursor from an earlier poll')
    .optional(),
});

const pageFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'chat.html');

/**
 * The local web chat: a page and three endpoints that drive the same command core as the
 * Telegram and Discord bots, so `npm start` alone lets anyone try the journeys in a browser.
 */
export function createWebChatRouter(deps: WebChatDeps): Router {
  const router = express.Router();
  const page = fs.readFileSync(pageFile, 'utf8');

  const conversation = (id: string): Conversation => ({
    identity: { platform: 'web', externalId: id, displayName: undefined },
    chat: { transport: 'web', chatId: id },
    reply: (text, image) => deps.outbox.send({ transport: 'web', chatId: id }, text, image),
  });

  const fail = (res: Response, status: number, message: string) =>
    res.status(status).json({ error: status === 400 ? 'bad_request' : 'error', message });

  router.get('/chat', (_req, res) => {
    res.type('html').send(page);
  });

  router.post('/chat/api/messages', express.json({ limit: '16kb' }), async (req: Request, res: Response) => {
    const body = messageBody.safeParse(req.body);
    if (!body.success) return fail(res, 400, body.error.issues.map((i) => i.message).join('; '));
    const { chatId: id, text } = body.data;
    await deps.db.insert(webMessages).values({ chatId: id, fromBot: 0, text });
    try {
      await handleText(deps, conversation(id), text);
    } catch (err) {
      deps.log.error({ err }, 'web chat command failed');
      await deps.outbox.send({ transport: 'web', chatId: id }, `⚠️ Sorry, that failed: ${describeError(err)}`);
    }
    res.status(202).json({ ok: true });
  });

  router.get('/chat/api/messages', async (req: Request, res: Response) => {
    const q = pollQuery.safeParse(req.query);
    if (!q.success) return fail(res, 400, q.error.issues.map((i) => i.message).join('; '));
    const since = q.data.since;
    const rows = await deps.db
      .select({
        id: webMessages.id,
        fromBot: webMessages.fromBot,
        text: webMessages.text,
        hasImage: sql<boolean>`${webMessages.imagePng} is not null`,
        cursor: sql<string>`to_char(${webMessages.updatedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
      })
      .from(webMessages)
      .where(
        since
          ? and(eq(webMessages.chatId, q.data.chatId), sql`${webMessages.updatedAt} > ${since}::timestamptz`)
          : eq(webMessages.chatId, q.data.chatId),
      )
      .orderBy(asc(webMessages.id))
      .limit(500);
    res.json({
      messages: rows.map((r) => ({
        id: r.id,
        fromBot: r.fromBot === 1,
        text: r.text,
        ...(r.hasImage ? { image: `/chat/api/images/${r.id}?chatId=${q.data.chatId}` } : {}),
        cursor: r.cursor,
      })),
    });
  });

  router.get('/chat/api/images/:id', async (req: Request, res: Response) => {
    const id = z.coerce.number().int().positive().safeParse(req.params.id);
    const chat = chatId.safeParse(req.query.chatId);
    if (!id.success || !chat.success) return fail(res, 400, 'expected an image id and the chatId it belongs to');
    const [row] = await deps.db
      .select({ png: webMessages.imagePng })
      .from(webMessages)
      .where(and(eq(webMessages.id, id.data), eq(webMessages.chatId, chat.data)));
    if (!row?.png) return res.status(404).json({ error: 'not_found', message: 'No such image.' });
    res.type('png').set('cache-control', 'private, max-age=86400').send(row.png);
  });

  router.post('/chat/api/upload', (req: Request, res: Response) => {
    const id = chatId.safeParse(req.query.chatId);
    if (!id.success) return fail(res, 400, 'chatId must be a UUID');
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fields: 0, fileSize: deps.limits.maxBytes + 1 } });
    } catch {
      return fail(res, 400, 'expected a multipart/form-data upload');
    }
    let handled = false;
    bb.on('file', (_field, stream, info) => {
      handled = true;
      const fileName = path.basename(info.filename || 'file');
      const conv = conversation(id.data);
      void (async () => {
        await deps.db.insert(webMessages).values({ chatId: id.data, fromBot: 0, text: `📎 ${fileName}` });
        try {
          const staged = await stageStream(deps.stagingDir, stream, deps.limits.maxBytes);
          const uploadId = await handleFile(deps, conv, {
            fileName,
            size: staged.bytes,
            source: { kind: 'staged', path: staged.path },
          });
          if (!uploadId) fs.rmSync(staged.path, { force: true });
          res.status(202).json({ ok: true, uploadId });
        } catch (err) {
          if (err instanceof DatasetRejectedError) {
            await conv.reply(uploadRejected(fileName, err.shortMessage));
            res.status(413).json({ error: err.reason, message: err.shortMessage });
          } else {
            deps.log.error({ err }, 'web upload failed');
            res.status(500).json({ error: 'error', message: describeError(err) });
          }
        }
      })();
    });
    bb.on('close', () => {
      if (!handled && !res.headersSent) fail(res, 400, 'the upload had no file');
    });
    bb.on('error', () => {
      if (!res.headersSent) fail(res, 400, 'malformed multipart upload');
    });
    req.pipe(bb);
  });

  return router;
}
