import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { Db } from '../platform/db/client.ts';
import { getDatasetView } from '../platform/datasets/listUserDatasets.ts';
import { BaseError, InputError, NotFoundError } from '../platform/errors.ts';
import { ContextOverflowError, InvalidRequestError } from '../engine/index.ts';
import type { AssistantChat } from '../platform/assistants/assistantChat.ts';
import { AssistantUnavailableError, createAssistantsRouter } from './v1/assistants.ts';
import type { Logger } from '../platform/log.ts';
import type { StatusReport } from '../bots/core/types.ts';

export type ApiDeps = {
  db: Db;
  log: Logger;
  status: () => Promise<StatusReport>;
  /** Chat with assistants (absent in processes without the engine). */
  chat?: AssistantChat | undefined;
  /** The local web chat, mounted at `/chat` when enabled. */
  webChat?: Router | undefined;
};

const idParam = z.coerce.number().int().positive();

/** The HTTP surface: `/health`, the `/v1` REST API, and the web chat page. */
export function createApiApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('json replacer', (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

  app.get('/health', async (_req, res) => {
    const report = await deps.status();
    res.status(report.ok ? 200 : 503).json(report);
  });

  app.get('/', (_req, res) => {
    if (deps.webChat) return res.redirect('/chat');
    res.json({ name: 'caravan', health: '/health', api: '/v1' });
  });

  const v1 = express.Router();
  v1.get('/datasets/:id', async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    if (!id.success) throw new InputError('Dataset id must be a positive integer.');
    const row = await getDatasetView(deps, id.data);
    if (!row) throw new NotFoundError(`Dataset #${id.data} does not exist.`);
    res.json(row);
  });
  v1.use(createAssistantsRouter(deps));
  app.use('/v1', v1);

  if (deps.webChat) app.use(deps.webChat);

  app.use((_req, res) => res.status(404).json({ error: 'not_found', message: 'No such endpoint.' }));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof NotFoundError) return res.status(404).json({ error: 'not_found', message: err.shortMessage });
    if (err instanceof InputError) return res.status(400).json({ error: 'bad_request', message: err.shortMessage });
    if (err instanceof AssistantUnavailableError) return res.status(409).json({ error: 'unavailable', message: err.shortMessage });
    if (err instanceof BaseError && err.retryable) {
      // Busy engine, a dependency down: the client may try again shortly.
      res.set('retry-after', '5');
      return res.status(503).json({ error: 'unavailable', message: err.shortMessage });
    }
    if (err instanceof ContextOverflowError || err instanceof InvalidRequestError)
      return res.status(400).json({ error: 'bad_request', message: err.shortMessage });
    if ((err as { type?: string }).type === 'entity.parse.failed')
      return res.status(400).json({ error: 'bad_request', message: 'The body is not valid JSON.' });
    if ((err as { type?: string }).type === 'entity.too.large')
      return res.status(413).json({ error: 'too_large', message: 'The body is too large.' });
    deps.log.error({ err }, 'request failed');
    res.status(500).json({ error: 'internal', message: err instanceof BaseError ? err.shortMessage : 'Internal error.' });
  });
  return app;
}
