import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { BaseError, InputError, NotFoundError, ServiceError } from '../platform/errors.ts';
import { LimitExceededError } from '../platform/limits/errors.ts';
import type { MoneyDeps } from '../platform/money/types.ts';
import { WalletConflictError } from '../platform/wallets/errors.ts';
import { readLinkToken } from '../platform/wallets/readLinkToken.ts';
import { consumeLinkToken } from '../platform/wallets/consumeLinkToken.ts';
import { startWalletLink } from '../platform/wallets/startWalletLink.ts';
import { completeWalletLink } from '../platform/wallets/completeWalletLink.ts';
import { prepareRebind } from '../platform/wallets/prepareRebind.ts';
import { rebindReceipts } from '../platform/wallets/rebindReceipts.ts';
import { readWalletTx } from '../platform/wallets/readWalletTx.ts';
import { confirmWalletTx } from '../platform/wallets/confirmWalletTx.ts';
import { completeAliasLink, readAliasLink } from '../governance/alias/completeAliasLink.ts';
import type { HubDeps } from '../governance/hub/types.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const linkPage = fs.readFileSync(path.join(here, 'walletLink.html'), 'utf8');
const txPage = fs.readFileSync(path.join(here, 'walletTx.html'), 'utf8');
const aliasPage = fs.readFileSync(path.join(here, 'walletAlias.html'), 'utf8');

const hex = z.string().regex(/^0x[0-9a-fA-F]*$/, 'must be a hex string').max(20_000);
const siweBody = z.object({ address: z.string().max(64) });
const verifyBody = z.object({ message: z.string().min(1).max(4000), signature: hex });
const rebindBody = z.object({
  signature: hex,
  deadline: z.string().regex(/^\d{1,20}$/, 'must be a whole number'),
  nonce: z.string().regex(/^\d{1,78}$/, 'must be a whole number'),
});
const sentBody = z.object({ hashes: z.array(z.string().max(80)).min(1).max(10) });
const signedBody = z.object({ signature: hex });

/** Parses a JSON body with `schema`, as an InputError (400) naming the field when it does not fit. */
function body<T>(schema: z.ZodType<T>, req: Request): T {
  const parsed = schema.safeParse(req.body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(`${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return parsed.data;
}

/** The link token in the path (`:token`). */
const tokenOf = (req: Request): string => String(req.params.token ?? '');

/** HTTP status and error code for a refused request; undefined for errors the app's handler reports. */
function statusOf(err: unknown): { status: number; error: string; message: string } | undefined {
  if (err instanceof NotFoundError) return { status: 404, error: 'not_found', message: err.shortMessage };
  if (err instanceof WalletConflictError) return { status: 409, error: 'conflict', message: err.shortMessage };
  if (err instanceof InputError) return { status: 400, error: 'bad_request', message: err.shortMessage };
  if (err instanceof LimitExceededError) return { status: 429, error: 'limit_exceeded', message: err.shortMessage };
  if (err instanceof BaseError && err.retryable) return { status: 503, error: 'unavailable', message: err.shortMessage };
  return undefined;
}

/** Values a page reads from its inline JSON; `<` is escaped so no value can close the script element. */
function render(template: string, config: unknown, nonce: string): string {
  const json = JSON.stringify(config, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return template.replaceAll('{{NONCE}}', nonce).replace('{{CONFIG}}', json);
}

/** The page's headers: its own inline script only, requests to this origin only, never cached or referred. */
function pageHeaders(res: Response, nonce: string): void {
  res.set({
    'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
}

/** A small page saying why a link cannot be used (unknown, expired, used, wallet changed). */
function errorPage(res: Response, status: number, message: string): void {
  const nonce = crypto.randomBytes(16).toString('base64');
  pageHeaders(res, nonce);
  const escaped = message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res
    .status(status)
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Caravan — wallet</title>` +
        `<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d232b}</style></head>` +
        `<body><h1>Caravan</h1><p id="error">${escaped}</p></body></html>`,
    );
}

/**
 * The wallet pages people open from the chat (mounted at `/wallet`):
 *
 * - `GET /:token`: link a browser wallet with Sign-In with Ethereum, then move the receipts Caravan
 *   holds for the person to it. The page calls `POST /:token/siwe` (the message to sign) and
 *   `POST /:token/verify`; the answer carries a one-time rebind token for
 *   `POST /:rebindToken/rebind-data` (the EIP-712 consent to sign) and `POST /:rebindToken/rebind`.
 * - `GET /tx/:token`: transactions the linked wallet sends itself; `POST /tx/:token/sent` takes the hashes.
 * - `GET /alias/:token`: the linked wallet signs Snapshot's alias message for the person's voting alias;
 *   `POST /alias/:token/signed` hands the signed envelope to the hub.
 *
 * The SIWE domain and URI are those of `settings.publicUrl`, where the chat's links point. Errors are
 * JSON `{error, message}`: 404 for an unknown, expired or used link, 409 for a replay or a wallet
 * linked elsewhere, 400 for anything else malformed; none of them changes anything.
 */
export function createWalletPagesRouter(deps: MoneyDeps, governance?: { hub: HubDeps }): Router {
  const router = express.Router();
  const site = new URL(deps.settings.publicUrl);
  const domain = site.host;
  const scheme = site.protocol.replace(/:$/, '');
  const json = express.json({ limit: '32kb' });
  const noStore = (_req: Request, res: Response, next: NextFunction) => {
    res.set('cache-control', 'no-store');
    next();
  };

  router.get('/tx/:token', async (req, res) => {
    const nonce = crypto.randomBytes(16).toString('base64');
    try {
      const tx = await readWalletTx(deps, tokenOf(req));
      pageHeaders(res, nonce);
      res.type('html').send(
        render(txPage, { token: tokenOf(req), chainId: deps.chain.chainId, from: tx.from, title: tx.title, calls: tx.calls }, nonce),
      );
    } catch (err) {
      const s = statusOf(err);
      if (!s) throw err;
      errorPage(res, s.status, s.message);
    }
  });

  router.post('/tx/:token/sent', noStore, json, async (req, res) => {
    const { hashes } = body(sentBody, req);
    res.json(await confirmWalletTx(deps, { token: tokenOf(req), hashes }));
  });

  router.get('/alias/:token', async (req, res) => {
    const nonce = crypto.randomBytes(16).toString('base64');
    try {
      const typedData = await readAliasLink(deps, tokenOf(req));
      pageHeaders(res, nonce);
      res.type('html').send(render(aliasPage, { token: tokenOf(req), typedData }, nonce));
    } catch (err) {
      const s = statusOf(err);
      if (!s) throw err;
      errorPage(res, s.status, s.message);
    }
  });

  router.post('/alias/:token/signed', noStore, json, async (req, res) => {
    if (!governance) throw new ServiceError('Voting is not available in this process.', { retryable: true });
    const { signature } = body(signedBody, req);
    const receipt = await completeAliasLink({ db: deps.db, hub: governance.hub }, { token: tokenOf(req), signature });
    res.json({ id: receipt.id, validDays: 30 });
  });

  router.get('/:token', async (req, res) => {
    const nonce = crypto.randomBytes(16).toString('base64');
    try {
      const link = await readLinkToken(deps, tokenOf(req), 'link');
      pageHeaders(res, nonce);
      res.type('html').send(render(linkPage, { token: tokenOf(req), chainId: deps.chain.chainId, domain, expiresAt: link.expiresAt.toISOString() }, nonce));
    } catch (err) {
      const s = statusOf(err);
      if (!s) throw err;
      errorPage(res, s.status, s.message);
    }
  });

  router.post('/:token/siwe', noStore, json, async (req, res) => {
    const { address } = body(siweBody, req);
    const { message, expiresAt } = await startWalletLink(deps, { token: tokenOf(req), address, domain, uri: `${deps.settings.publicUrl}/wallet`, scheme });
    res.json({ message, expiresAt });
  });

  router.post('/:token/verify', noStore, json, async (req, res) => {
    const { message, signature } = body(verifyBody, req);
    const linked = await completeWalletLink(deps, { token: tokenOf(req), message, signature, domain });
    res.json({
      address: linked.address,
      receipts: linked.receipts.map((r) => ({ id: r.chainReceiptId.toString(), shares: r.shares.toString(), role: r.role })),
      rebindToken: linked.rebindToken ?? null,
    });
  });

  router.post('/:token/rebind-data', noStore, json, async (req, res) => {
    const link = await readLinkToken(deps, tokenOf(req), 'rebind');
    const prepared = await prepareRebind(deps, { userId: link.userId });
    res.json({
      typedData: prepared.typedData,
      nonce: prepared.nonce.toString(),
      deadline: prepared.deadline.toString(),
      receipts: prepared.receipts.map((r) => ({ id: r.chainReceiptId.toString(), shares: r.shares.toString(), role: r.role })),
    });
  });

  router.post('/:token/rebind', noStore, json, async (req, res) => {
    const link = await readLinkToken(deps, tokenOf(req), 'rebind');
    const { signature, deadline, nonce } = body(rebindBody, req);
    const done = await rebindReceipts(deps, { userId: link.userId, signature, deadline: BigInt(deadline), nonce: BigInt(nonce) });
    await consumeLinkToken(deps, link.id);
    res.json({ txHash: done.txHash, to: done.to, moved: done.moved.map(String) });
  });

  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const type = (err as { type?: string }).type;
    if (type === 'entity.parse.failed') return res.status(400).json({ error: 'bad_request', message: 'The body is not valid JSON.' });
    const s = statusOf(err);
    if (!s) return next(err);
    if (s.status === 503) res.set('retry-after', '5');
    res.status(s.status).json({ error: s.error, message: s.message });
  });
  return router;
}
