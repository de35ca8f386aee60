import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { BaseError, NotFoundError } from '../platform/errors.ts';
import { getDashboard } from '../platform/dashboard/getDashboard.ts';
import { getEarningsChart } from '../platform/dashboard/getEarningsChart.ts';
import { getMarketplace, type Marketplace } from '../platform/dashboard/getMarketplace.ts';
import type { MoneyDeps } from '../platform/money/types.ts';
import { readLinkToken } from '../platform/wallets/readLinkToken.ts';
import { html, page, renderDashboard, renderMarketplace } from './dashboardHtml.ts';

/** How long one reading of the marketplace is reused: a public page must not cost a round of chain reads per request. */
const MARKET_REUSE_MS = 5_000;

/** The link token in the path (`:token`). */
const tokenOf = (req: Request): string => String(req.params.token ?? '');

/** HTTP status and error code for a refused request; undefined for errors the app's handler reports. */
function statusOf(err: unknown): { status: number; error: string; message: string } | undefined {
  if (err instanceof NotFoundError) return { status: 404, error: 'not_found', message: err.shortMessage };
  if (err instanceof BaseError && err.retryable) return { status: 503, error: 'unavailable', message: err.shortMessage };
  return undefined;
}

/**
 * The pages' headers: no script at all, styles with the nonce only, images from this origin (and the
 * empty `data:` icon that spares a favicon request); never cached or referred.
 */
function pageHeaders(res: Response, nonce: string): void {
  res.set({
    'content-security-policy': `default-src 'none'; img-src 'self' data:; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
}

/** A small page saying why the page cannot be shown (unknown or expired link, chain unavailable). */
function errorPage(res: Response, status: number, message: string): void {
  const nonce = crypto.randomBytes(16).toString('base64');
  pageHeaders(res, nonce);
  if (status === 503) res.set('retry-after', '5');
  res
    .status(status)
    .type('html')
    .send(page({ title: 'Caravan', nonce, body: html`<section><h1>Caravan</h1><p id="error">${message}</p></section>` }));
}

/** Sends the page `render` builds, or the error page for a refused request. */
async function sendPage(res: Response, render: (nonce: string) => Promise<string>): Promise<void> {
  const nonce = crypto.randomBytes(16).toString('base64');
  try {
    const body = await render(nonce);
    pageHeaders(res, nonce);
    res.type('html').send(body);
  } catch (err) {
    const s = statusOf(err);
    if (!s) throw err;
    errorPage(res, s.status, s.message);
  }
}

/**
 * The dashboard and the marketplace, server-rendered HTML without scripts (mount at the root):
 *
 * - `GET /me/:token`: the user's dashboard, for a link from `/me` in the chat (purpose `dashboard`; it
 *   works until it expires and may be reloaded). An unknown, malformed or expired token is a 404 with
 *   the same message whatever the reason.
 * - `GET /me/:token/earnings.png`: the dashboard's chart of earnings over time.
 * - `GET /market`: public assistants with their licenses, lineage and payment split; open datasets.
 *
 * Pages answer errors as small HTML pages; the chart as JSON `{error, message}`.
 */
export function createDashboardPagesRouter(deps: MoneyDeps): Router {
  const router = express.Router();
  let market: { at: number; reading: Promise<Marketplace> } | undefined;
  const readMarket = (): { at: number; reading: Promise<Marketplace> } => {
    if (!market || Date.now() - market.at > MARKET_REUSE_MS) {
      const reading = getMarketplace(deps);
      market = { at: Date.now(), reading };
      // A failed reading is not reused.
      reading.catch(() => {
        if (market?.reading === reading) market = undefined;
      });
    }
    return market;
  };

  router.get('/me/:token', (req, res) =>
    sendPage(res, async (nonce) => {
      const token = tokenOf(req);
      const link = await readLinkToken(deps, token, 'dashboard');
      const dashboard = await getDashboard(deps, link.userId);
      return renderDashboard(dashboard, { nonce, imageUrl: `/me/${token}/earnings.png`, expiresAt: link.expiresAt });
    }),
  );

  router.get('/me/:token/earnings.png', async (req, res) => {
    const link = await readLinkToken(deps, tokenOf(req), 'dashboard');
    const chart = await getEarningsChart(deps, link.userId);
    res.set({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff' });
    res.type('png').send(Buffer.from(chart.png));
  });

  router.get('/market', (_req, res) =>
    sendPage(res, async (nonce) => {
      const { at, reading } = readMarket();
      return renderMarketplace(await reading, { nonce, readAt: new Date(at) });
    }),
  );

  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const s = statusOf(err);
    if (!s) return next(err);
    if (s.status === 503) res.set('retry-after', '5');
    res.set('cache-control', 'no-store');
    res.status(s.status).json({ error: s.error, message: s.message });
  });
  return router;
}
