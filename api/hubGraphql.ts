import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { createHubGraphql, type HubGraphqlDeps } from '../governance/hub/graphql/createHubGraphql.ts';

/** The largest POST body read (a query is at most 20,000 characters; the rest is variables). */
const MAX_BODY = '256kb';

const parseVariables = (raw: unknown): { ok: true; value: unknown } | { ok: false } => {
  if (raw === undefined || raw === '') return { ok: true, value: undefined };
  if (typeof raw !== 'string') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch {
    return { ok: false };
  }
};

/**
 * The hub's read API over HTTP, as snapshot-hub serves it: `POST /hub/graphql` with a JSON body
 * `{ query, variables, operationName }`, or `GET /hub/graphql?query=…&variables=…`. It only
 * parses, runs the request through `createHubGraphql` and answers its JSON (`{ data }`, or
 * `{ errors: [...] }` with 400 for a request that could not run).
 */
export function createHubGraphqlRouter(deps: HubGraphqlDeps): Router {
  const hub = createHubGraphql(deps);
  const router = express.Router();

  // Public data, no credentials: any page may read it, as snapshot-hub allows (Snapshot's UI reads it cross-origin).
  router.use((req: Request, res: Response, next: NextFunction) => {
    res.set('access-control-allow-origin', '*');
    if (req.method !== 'OPTIONS') return next();
    res.set({ 'access-control-allow-methods': 'GET, POST, OPTIONS', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '86400' });
    res.sendStatus(204);
  });

  router.post('/', express.json({ limit: MAX_BODY }), async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const answer = await hub.run({ query: body.query, variables: body.variables, operationName: body.operationName });
    res.status(answer.status).json(answer.body);
  });

  router.get('/', async (req: Request, res: Response) => {
    const variables = parseVariables(req.query.variables);
    if (!variables.ok) return void res.status(400).json({ errors: [{ message: 'Variables are invalid JSON.' }] });
    const answer = await hub.run({ query: req.query.query, variables: variables.value, operationName: req.query.operationName });
    res.status(answer.status).json(answer.body);
  });

  // express.json's refusals (malformed JSON, a body over the limit) in GraphQL's shape.
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const type = (err as { type?: unknown } | null)?.type;
    if (type === 'entity.parse.failed') return void res.status(400).json({ errors: [{ message: 'POST body sent invalid JSON.' }] });
    if (type === 'entity.too.large') return void res.status(413).json({ errors: [{ message: `POST body is larger than ${MAX_BODY}.` }] });
    next(err);
  });
  return router;
}
