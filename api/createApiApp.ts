import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Db } from '../platform/db/client.ts';
import { getOpenDataset } from '../platform/datasets/getOpenDataset.ts';
import { AssistantUnavailableError } from '../platform/assistants/findChatAssistant.ts';
import { BaseError, InputError, NotFoundError } from '../platform/errors.ts';
import type { AssistantChat } from '../platform/assistants/assistantChat.ts';
import type { FairUse } from '../platform/limits/fairUse.ts';
import type { StatusReport } from '../platform/status.ts';
import type { Logger } from '../platform/log.ts';
import { ContextOverflowError, InvalidRequestError } from '../engine/index.ts';
import { createAssistantsRouter } from './v1/assistants.ts';
import { LicenseRequiredError } from '../platform/money/errors.ts';
import type { MoneyDeps } from '../platform/money/types.ts';

export type ApiDeps = {
  db: Db;
  log: Logger;
  status: () => Promise<StatusReport>;
  fairUse: FairUse;
  maxQuoteChars: number;
  /** Licenses: priced assistants answer license holders only. */
  money: MoneyDeps;
  /** Chat with assistants (absent in processes without the engine). */
  chat?: AssistantChat | undefined;
  /** The local web chat, mounted at `/chat` when enabled. */
  webChat?: Router | undefined;
  /** The wallet pages (link a wallet, send from it), mounted at `/wallet`. */
  walletPages?: Router | undefined;
  /** The dashboard (`/me/:token`) and the marketplace (`/market`), mounted at the root. */
  dashboardPages?: Router | undefined;
  /** Telegram's webhook receiver, when the bot runs in webhook mode. */
  telegramWebhook?: { path: string; handler: RequestHandler } | undefined;
};

/** The HTTP surface: `/health`, the `/v1` REST API, the web chat page and Telegram's webhook. */
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

  if (deps.telegramWebhook) app.post(deps.telegramWebhook.path, express.json({ limit: '1mb' }), deps.telegramWebhook.handler);

  const v1 = express.Router();
  // Open, accepted datasets only: private or pending ones are unknown here (their owners see them in the chat).
  v1.get('/datasets/:id', async (req, res) => {
    res.json(await getOpenDataset(deps, req.params.id));
  });
  v1.use(createAssistantsRouter(deps));
  app.use('/v1', v1);

  if (deps.walletPages) app.use('/wallet', deps.walletPages);
  if (deps.dashboardPages) app.use(deps.dashboardPages);
  if (deps.webChat) app.use(deps.webChat);

  app.use((_req, res) => res.status(404).json({ error: 'not_found', message: 'No such endpoint.' }));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return;
    if (err instanceof NotFoundError) return res.status(404).json({ error: 'not_found', message: err.shortMessage });
    if (err instanceof LicenseRequiredError)
      return res.status(402).json({ error: 'license_required', message: err.shortMessage, assistant: err.assistantPublicId });
    if (err instanceof InputError) return res.status(400).json({ error: 'bad_request', message: err.shortMessage });
    if (err instanceof AssistantUnavailableError) return res.status(409).json({ error: 'unavailable', message: err.shortMessage });
    if (err instanceof ContextOverflowError || err instanceof InvalidRequestError)
      return res.status(400).json({ error: 'bad_request', message: err.shortMessage });
    if (err instanceof BaseError && err.retryable) {
      // Busy engine, a dependency down: the client may try again shortly.
      res.set('retry-after', '5');
      return res.status(503).json({ error: 'unavailable', message: err.shortMessage });
    }
    const type = (err as { type?: string }).type;
    if (type === 'entity.parse.failed') return res.status(400).json({ error: 'bad_request', message: 'The body is not valid JSON.' });
    if (type === 'entity.too.large') return res.status(413).json({ error: 'too_large', message: 'The body is too large.' });
    if (type === 'request.aborted') return;
    if (typeof (err as { status?: unknown }).status === 'number' && (err as { status: number }).status < 500)
      return res.status((err as { status: number }).status).json({ error: 'bad_request', message: 'The request could not be read.' });
    deps.log.error({ err }, 'request failed');
    res.status(500).json({ error: 'internal', message: err instanceof BaseError ? err.shortMessage : 'Internal error.' });
  });
  return app;
}
