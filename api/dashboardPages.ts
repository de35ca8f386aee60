import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { createApiKey, type CreatedApiKey } from '../platform/apikeys/createApiKey.ts';
import { listApiKeys } from '../platform/apikeys/listApiKeys.ts';
import { revokeApiKey } from '../platform/apikeys/revokeApiKey.ts';
import { BaseError, InputError, NotFoundError } from '../platform/errors.ts';
import { parsePublicId } from '../platform/ids.ts';
import { getDashboard } from '../platform/dashboard/getDashboard.ts';
import { getEarningsChart } from '../platform/dashboard/getEarningsChart.ts';
import { getMarketplace, type Marketplace } from '../platform/dashboard/getMarketplace.ts';
import type { MoneyDeps } from '../platform/money/types.ts';
import { readLinkToken } from '../platform/wallets/readLinkToken.ts';
import { html, page, renderDashboard, renderMarketplace, type ApiKeysView } from './dashboardHtml.ts';

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
    'content-security-policy': `default-src 'none'; img-src 'self' data:; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
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

/** Sends the page `render` builds (with `status`), or the error page for a refused request. */
async function sendPage(res: Response, render: (nonce: string) => Promise<string>, status = 200): Promise<void> {
  const nonce = crypto.randomBytes(16).toString('base64');
  try {
    const body = await render(nonce);
    pageHeaders(res, nonce);
    res.status(status).type('html').send(body);
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
 * - `POST /me/:token/keys` (form: `name`, `for` = `personal` or `license:<number>`): creates an API key
 *   and answers the dashboard with its token, shown this once; `POST /me/:token/keys/:id/revoke`
 *   revokes one and goes back to the dashboard. The link's token in the path is what authorises
 *   both (a page elsewhere cannot know it), as it does the page itself.
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

  /** The dashboard of the link's user, with what the API keys section shows besides the list. */
  const dashboardPage = async (token: string, nonce: string, keys: Omit<ApiKeysView, 'basePath' | 'publicUrl'> = {}) => {
    const link = await readLinkToken(deps, token, 'dashboard');
    const dashboard = await getDashboard(deps, link.userId);
    return renderDashboard(dashboard, {
      nonce,
      imageUrl: `/me/${token}/earnings.png`,
      expiresAt: link.expiresAt,
      apiKeys: { basePath: `/me/${token}`, publicUrl: deps.settings.publicUrl, ...keys },
    });
  };

  router.get('/me/:token', (req, res) =>
    sendPage(res, async (nonce) => {
      const revoked = typeof req.query.revoked === 'string' ? parsePublicId('key', req.query.revoked) : null;
      return dashboardPage(tokenOf(req), nonce, revoked ? { notice: { text: `Key ${revoked} is revoked: requests with it are refused from now on.`, error: false } } : {});
    }),
  );

  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });
  const field = (req: Request, name: string) => (typeof (req.body as Record<string, unknown> | undefined)?.[name] === 'string' ? String((req.body as Record<string, string>)[name]) : '');

  /** The dashboard link in the path, or undefined once the error page is sent (the same one as the page's). */
  const linkOf = async (req: Request, res: Response) => {
    try {
      return await readLinkToken(deps, tokenOf(req), 'dashboard');
    } catch (err) {
      const s = statusOf(err);
      if (!s) throw err;
      errorPage(res, s.status, s.message);
      return undefined;
    }
  };

  router.post('/me/:token/keys', form, async (req, res) => {
    const token = tokenOf(req);
    const link = await linkOf(req, res);
    if (!link) return;
    const bind = field(req, 'for');
    const name = field(req, 'name');
    let created: ApiKeysView['created'];
    let notice: ApiKeysView['notice'];
    let status = 201;
    try {
      const m = /^license:(\d{1,30})$/.exec(bind);
      if (bind !== 'personal' && !m) throw new InputError('Choose a personal key or one of your API licenses.');
      const k: CreatedApiKey = m
        ? await createApiKey(deps, { userId: link.userId, kind: 'license', chainLicenseId: BigInt(m[1]!), name })
        : await createApiKey(deps, { userId: link.userId, kind: 'personal', name });
      const assistant = k.license ? (await listApiKeys(deps, { userId: link.userId })).keys.find((x) => x.id === k.id)?.license?.assistant : undefined;
      created = { ...k, assistant };
    } catch (err) {
      if (!(err instanceof InputError || err instanceof NotFoundError)) throw err;
      notice = { text: err.shortMessage, error: true };
      status = err instanceof NotFoundError ? 404 : 400;
    }
    await sendPage(res, (nonce) => dashboardPage(token, nonce, { created, notice }), status);
  });

  router.post('/me/:token/keys/:keyId/revoke', async (req, res) => {
    const token = tokenOf(req);
    const link = await linkOf(req, res);
    if (!link) return;
    try {
      const k = await revokeApiKey(deps, { userId: link.userId, keyId: String(req.params.keyId ?? '') });
      res.redirect(303, `/me/${token}?revoked=${encodeURIComponent(k.id)}#apikeys`);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      await sendPage(res, (nonce) => dashboardPage(token, nonce, { notice: { text: err.shortMessage, error: true } }), 404);
    }
  });

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
