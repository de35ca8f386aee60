import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Db } from '../platform/db/client.ts';
import type { AssistantChat } from '../platform/assistants/assistantChat.ts';
import type { FairUse } from '../platform/limits/fairUse.ts';
import type { StatusReport } from '../platform/status.ts';
import type { Logger } from '../platform/log.ts';
import type { MoneyDeps } from '../platform/money/types.ts';
import type { RateLimiter } from '../platform/limits/rateLimiter.ts';
import type { JobsPort } from '../platform/jobsPort.ts';
import type { BlobStore } from '../platform/storage/blobStore.ts';
import type { DatasetLimits } from '../platform/datasets/validateDataset.ts';
import type { WebhookSettings } from '../platform/webhooks/types.ts';
import { createV1Router } from './v1/createV1Router.ts';
import type { ApiRateLimits } from './v1/mountRoutes.ts';
import { createDocsRouter } from './docsPage.ts';
import { toHttpError } from './httpErrors.ts';
import { createHubRouter } from './hub.ts';
import type { HubDeps } from '../governance/hub/types.ts';
import { createHubGraphqlRouter } from './hubGraphql.ts';
import { chainVotingPower } from '../governance/hub/queries/chainVotingPower.ts';

export type ApiDeps = {
  db: Db;
  log: Logger;
  status: () => Promise<StatusReport>;
  fairUse: FairUse;
  maxQuoteChars: number;
  /** Licenses: priced assistants answer license holders only. */
  money: MoneyDeps;
  /** Per-key and per-IP request limits of `/v1` (Redis, shared by every API process). */
  limiter: RateLimiter;
  rateLimits: ApiRateLimits;
  /** Base URL for links. */
  publicUrl: string;
  /** express's "trust proxy" (TRUST_PROXY): whose X-Forwarded-For gives the client address. */
  trustProxy?: string | undefined;
  /** Uploads and fine-tunes over REST. */
  jobs?: JobsPort | undefined;
  blobs?: BlobStore | undefined;
  datasetLimits?: DatasetLimits | undefined;
  stagingDir?: string | undefined;
  /** Webhook registration (whether private hosts are allowed); refused as in production without it. */
  webhooks?: Pick<WebhookSettings, 'allowPrivateHosts'> | undefined;
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
  /** The governance hub's write side (Snapshot's sequencer), mounted at `/hub`. */
  hub?: HubDeps | undefined;
};

/** The API's version, shown in the OpenAPI document. */
export const API_VERSION = '1.0.0';

/** The HTTP surface: `/health`, the `/v1` REST API and its reference (`/docs`), the web chat page and Telegram's webhook. */
export function createApiApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  if (deps.trustProxy) app.set('trust proxy', /^\d+$/.test(deps.trustProxy) ? Number(deps.trustProxy) : deps.trustProxy);
  app.set('json replacer', (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

  app.get('/health', async (_req, res) => {
    const report = await deps.status();
    res.status(report.ok ? 200 : 503).json(report);
  });

  app.get('/', (_req, res) => {
    if (deps.webChat) return res.redirect('/chat');
    res.json({ name: 'caravan', health: '/health', api: '/v1', docs: '/docs' });
  });

  if (deps.telegramWebhook) app.post(deps.telegramWebhook.path, express.json({ limit: '1mb' }), deps.telegramWebhook.handler);

  app.use('/v1', createV1Router(deps, { version: API_VERSION }));
  app.use('/docs', createDocsRouter());
  if (deps.hub) app.use('/hub', createHubRouter(deps.hub));
  // The governance hub's read API (snapshot-hub's GraphQL).
  app.use(
    '/hub/graphql',
    createHubGraphqlRouter({ db: deps.db, log: deps.log, computeVp: deps.hub && chainVotingPower({ db: deps.db, publicClient: deps.hub.chain.publicClient }) }),
  );

  if (deps.walletPages) app.use('/wallet', deps.walletPages);
  if (deps.dashboardPages) app.use(deps.dashboardPages);
  if (deps.webChat) app.use(deps.webChat);

  app.use((_req, res) => res.status(404).json({ error: 'not_found', message: 'No such endpoint.' }));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return;
    const e = toHttpError(err);
    if (!e) return;
    if (e.status >= 500 && e.status !== 503) deps.log.error({ err }, 'request failed');
    if (e.headers) res.set(e.headers);
    res.status(e.status).json(e.body);
  });
  return app;
}
