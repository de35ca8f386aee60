import { createRequire } from 'node:module';
import path from 'node:path';
import express, { type Router } from 'express';

const require = createRequire(import.meta.url);

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Caravan API reference</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" href="/docs/assets/favicon-32x32.png">
  <style>body{margin:0} .topbar{display:none}</style>
</head>
<body>
  <div id="reference"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>`;

// Separate from the page so a strict CSP (no inline scripts) holds.
const INIT = `window.ui = SwaggerUIBundle({
  url: '/v1/openapi.json',
  dom_id: '#reference',
  deepLinking: true,
  persistAuthorization: false,
  tryItOutEnabled: true,
  displayRequestDuration: true,
});`;

/**
 * `/docs`: the interactive API reference (Swagger UI, served from this server: no CDN), reading
 * `/v1/openapi.json`; "Authorize" takes an API key and "Try it out" calls this server.
 */
export function createDocsRouter(): Router {
  const router = express.Router();
  const assets = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  const security = {
    'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'",
    'x-content-type-options': 'nosniff',
  };
  router.get('/', (_req, res) => void res.set(security).type('html').send(PAGE));
  router.get('/init.js', (_req, res) => void res.set(security).type('js').send(INIT));
  router.use('/assets', express.static(assets, { index: false, maxAge: '1d' }));
  return router;
}
