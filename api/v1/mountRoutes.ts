import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import type { ChainDeps } from '../../platform/chain/clients.ts';
import type { Db } from '../../platform/db/client.ts';
import { authenticateApiKey, type ApiPrincipal } from '../../platform/apikeys/authenticateApiKey.ts';
import { ApiKeyError, KeyScopeError } from '../../platform/apikeys/errors.ts';
import { BaseError, InputError } from '../../platform/errors.ts';
import { LimitExceededError } from '../../platform/limits/errors.ts';
import type { LimitDecision, LimitRule, RateLimiter } from '../../platform/limits/rateLimiter.ts';
import type { Route } from './route.ts';

/** Requests allowed per window, per API key and per client IP (every API process shares the counts in Redis). */
export type ApiRateLimits = { perKey: number; perIp: number; windowMs: number };

export type RoutesDeps = { db: Db; chain: ChainDeps; limiter: RateLimiter; rateLimits: ApiRateLimits };

/** A handler answered something its documented schema does not allow (a bug: answered 500). */
export class ResponseShapeError extends BaseError {
  override name = 'ResponseShapeError' as const;
  constructor(message: string, details: string) {
    super(message, { details });
  }
}

/** `/datasets/{id}` → `/datasets/:id`. */
export const expressPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

/** The first 2xx status a route declares: what a handler's returned value is sent with. */
export const successStatus = (route: Route) => Number(Object.keys(route.responses).find((s) => Number(s) < 300) ?? 200);

/** zod issues as one sentence a developer can act on: `name: Too small; datasets.0: Invalid input`. */
export function describeIssues(where: string, error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const at = i.path.length ? `${where}.${i.path.join('.')}` : where;
      return `${at}: ${i.message}`;
    })
    .join('; ');
}

/**
 * Adds each route to `router` with what every endpoint shares: the per-IP limit, the key (Bearer),
 * the per-key limit, the key's scope, the JSON body (content type, size), strict validation of
 * path, query and body, and the JSON answer. Errors go to the app's error handler.
 */
export function mountRoutes(router: Router, deps: RoutesDeps, routes: readonly Route[]): void {
  // Read when a request comes: the router can be built (and its routes listed) without services.
  const ipRule = (): LimitRule => ({ name: 'api-ip', limit: deps.rateLimits.perIp, windowMs: deps.rateLimits.windowMs });
  const keyRule = (): LimitRule => ({ name: 'api-key', limit: deps.rateLimits.perKey, windowMs: deps.rateLimits.windowMs });

  const limit = async (res: Response, rule: LimitRule, subject: string | number, who: string) => {
    const d: LimitDecision = await deps.limiter.hit(rule, subject);
    res.set('ratelimit-limit', String(rule.limit));
    res.set('ratelimit-remaining', String(d.remaining));
    res.set('ratelimit-reset', String(Math.max(0, Math.ceil((d.resetAt.getTime() - Date.now()) / 1000))));
    if (!d.allowed)
      throw new LimitExceededError(`Too many requests from this ${who}: at most ${rule.limit} per ${Math.round(rule.windowMs / 1000)} s. Try again in ${Math.ceil(d.retryAfterMs / 1000)} s.`, {
        rule: rule.name,
        limit: rule.limit,
        windowMs: rule.windowMs,
        retryAfterMs: d.retryAfterMs,
        resetAt: d.resetAt,
      });
  };

  for (const route of routes) {
    const json = express.json({ limit: route.bodyLimit ?? '64kb', strict: true, type: () => true });
    const handler = async (req: Request, res: Response, next: NextFunction) => {
      try {
        await limit(res, ipRule(), req.ip ?? 'unknown', 'address');
        const header = req.get('authorization');
        let principal: ApiPrincipal | null = null;
        if (header !== undefined) {
          const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
          if (!m) throw new ApiKeyError('Send your API key as "Authorization: Bearer cvn_…".', 'invalid_key');
          principal = await authenticateApiKey(deps, m[1]!);
          await limit(res, keyRule(), principal.keyId, 'key');
        } else if (route.auth !== 'public') throw new ApiKeyError('This endpoint needs an API key: send "Authorization: Bearer cvn_…".', 'missing_key');
        if (route.auth === 'personal' && principal?.kind !== 'personal')
          throw new KeyScopeError('A license key can only chat with its licensed assistant; this needs a personal key.');

        const params = route.params ? route.params.safeParse(req.params) : { success: true as const, data: {} };
        if (!params.success) throw new InputError(describeIssues('path', params.error));
        const query = route.query ? route.query.safeParse(req.query) : { success: true as const, data: {} };
        if (!query.success) throw new InputError(describeIssues('query', query.error));

        let body: unknown;
        if (route.body) {
          if (!req.is('application/json'))
            return void res.status(415).json({ error: 'unsupported_media_type', message: 'Send the body as JSON with "Content-Type: application/json".' });
          await new Promise<void>((resolve, reject) => json(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
          const parsed = route.body.safeParse(req.body);
          if (!parsed.success) throw new InputError(describeIssues('body', parsed.error));
          body = parsed.data;
        }
        const result = await route.handle({ params: params.data, query: query.data, body, principal: principal as ApiPrincipal, req, res });
        if (result === undefined || res.headersSent) return;
        // The answer is what the document says: unknown fields (internal ids, scores) are dropped,
        // and an answer that does not fit its schema is a bug, not something to send.
        const status = successStatus(route);
        const schema = route.responses[status]?.schema;
        const checked = schema ? schema.safeParse(result) : { success: true as const, data: result };
        if (!checked.success) throw new ResponseShapeError(`${route.operationId}: the answer does not fit its schema`, describeIssues('response', checked.error));
        res.status(status).json(checked.data);
      } catch (err) {
        next(err);
      }
    };
    router[route.method](expressPath(route.path), handler);
  }
}
