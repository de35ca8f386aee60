import express, { type Router } from 'express';
import type { AssistantChat } from '../../platform/assistants/assistantChat.ts';
import type { BlobStore } from '../../platform/storage/blobStore.ts';
import type { DatasetLimits } from '../../platform/datasets/validateDataset.ts';
import type { FairUse } from '../../platform/limits/fairUse.ts';
import type { RateLimiter } from '../../platform/limits/rateLimiter.ts';
import type { JobsPort } from '../../platform/jobsPort.ts';
import type { Logger } from '../../platform/log.ts';
import type { MoneyDeps } from '../../platform/money/types.ts';
import type { WebhookSettings } from '../../platform/webhooks/types.ts';
import { buildOpenApi } from './openapi.ts';
import { mountRoutes, type ApiRateLimits } from './mountRoutes.ts';
import type { Route } from './route.ts';
import { chainRoutes } from './chain.ts';
import { keyRoutes } from './keys.ts';
import { assistantRoutes } from './assistants.ts';
import { datasetRoutes } from './datasets.ts';
import { webhookRoutes } from './webhooks.ts';
import { moneyRoutes } from './money.ts';

/** What the `/v1` endpoints need. */
export type V1Deps = {
  money: MoneyDeps;
  log: Logger;
  fairUse: FairUse;
  maxQuoteChars: number;
  /** Redis-backed, shared by every API process: per-key and per-IP request limits. */
  limiter: RateLimiter;
  rateLimits: ApiRateLimits;
  /** Base URL of this server, for links and the OpenAPI document. */
  publicUrl: string;
  /** Chat with assistants (absent in processes without the engine). */
  chat?: AssistantChat | undefined;
  jobs?: JobsPort | undefined;
  blobs?: BlobStore | undefined;
  datasetLimits?: DatasetLimits | undefined;
  stagingDir?: string | undefined;
  /** Webhook registration (whether private hosts are allowed); refused as in production without it. */
  webhooks?: Pick<WebhookSettings, 'allowPrivateHosts'> | undefined;
};

/** Every `/v1` route, in the order of the reference. */
export function v1Routes(deps: V1Deps): Route[] {
  return [...chainRoutes(deps), ...keyRoutes(deps), ...datasetRoutes(deps), ...assistantRoutes(deps), ...moneyRoutes(deps), ...webhookRoutes(deps)];
}

/** The `/v1` router: the routes and `/v1/openapi.json`, built from the same list. */
export function createV1Router(deps: V1Deps, options: { version: string }): Router {
  const router = express.Router();
  const routes = v1Routes(deps);
  let document: ReturnType<typeof buildOpenApi> | undefined;
  router.get('/openapi.json', (_req, res) => {
    document ??= buildOpenApi(routes, { version: options.version });
    res.json(document);
  });
  mountRoutes(
    router,
    {
      get db() {
        return deps.money.db;
      },
      get chain() {
        return deps.money.chain;
      },
      get limiter() {
        return deps.limiter;
      },
      get rateLimits() {
        return deps.rateLimits;
      },
    },
    routes,
  );
  return router;
}
