import { createHash } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { HubMessageError } from '../governance/hub/errors.ts';
import { receiveMessage } from '../governance/hub/receiveMessage.ts';
import type { HubDeps } from '../governance/hub/types.ts';

/** A little over Snapshot's 100,000-character envelope, so the sequencer's own `too large message` check answers. */
const MAX_BODY = '110kb';

/** Snapshot's error body: `client_error` below 500, `server_error` from 500 on. */
const sendError = (res: Response, description: string, status = 400) =>
  res.status(status).json({ error: status < 500 ? 'client_error' : 'server_error', error_description: description });

/**
 * Snapshot's sequencer over HTTP: `POST /hub` (what snapshot.js 0.17's `Client712` posts to) and
 * `POST /hub/api/msg` (older clients), answering `{id, ipfs, relayer}` or
 * `{error:'client_error', error_description}` with the sequencer's statuses: 400 for a refused
 * message, 425 `request already being processed` while an identical body is in flight (as the
 * sequencer's duplicate-request guard), 500 `server_error` when the hub failed. `GET /hub` says who
 * relays. Point snapshot.js at `http://127.0.0.1:PORT/hub`: its client rewrites
 * `http://localhost:3000` to port 3001.
 */
export function createHubRouter(deps: HubDeps): Router {
  const router = express.Router();
  const inFlight = new Set<string>();

  const ingest = async (req: Request, res: Response) => {
    const key = createHash('sha256')
      .update(JSON.stringify(req.body ?? {}))
      .digest('hex');
    if (inFlight.has(key)) return sendError(res, 'request already being processed', 425);
    inFlight.add(key);
    try {
      res.json(await receiveMessage(deps, req.body));
    } catch (err) {
      if (err instanceof HubMessageError) {
        if (err.status >= 500) deps.log?.error({ err }, 'hub: message failed');
        return sendError(res, err.description, err.status);
      }
      deps.log?.error({ err }, 'hub: message failed');
      sendError(res, 'failed', 500);
    } finally {
      inFlight.delete(key);
    }
  };

  const json = express.json({ limit: MAX_BODY });
  router.post(['/', '/api/msg'], json, ingest);
  router.get('/', (_req, res) => res.json({ name: 'caravan-hub', network: String(deps.chain.chainId), version: '0.1.4', relayer: deps.relayer.address }));
  // Body-parser failures, in the sequencer's words.
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const type = (err as { type?: string } | null)?.type;
    if (type === 'entity.too.large') return sendError(res, 'too large message', 413);
    if (type === 'entity.parse.failed') return sendError(res, 'wrong envelope format');
    next(err);
  });
  return router;
}
