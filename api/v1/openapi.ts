import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { errorSchema, type Route } from './route.ts';
import { successStatus } from './mountRoutes.ts';

const ERROR_TEXT: Record<number, string> = {
  400: 'The request is malformed: invalid JSON, a field out of range, an unknown field.',
  401: 'No key, or a key that is unknown, revoked or expired.',
  402: 'The assistant needs a license the caller does not hold.',
  403: 'The key is valid but may not do this (a license key outside its assistant).',
  404: 'Not found, or not visible to the caller (existence is never revealed).',
  409: 'The thing exists but cannot do this now (an assistant still training).',
  413: 'The body is larger than this endpoint accepts.',
  415: 'The body has the wrong content type.',
  429: 'A rate limit or the license quota is spent; `Retry-After` says when to try again.',
  503: 'Busy or a dependency is down; try again after `Retry-After` seconds.',
};

const retryAfter = { 'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer' as const } } };

/**
 * The OpenAPI 3.1 document of `/v1`, built from the routes themselves: the same zod schemas that
 * validate requests describe them here, so the two cannot drift.
 */
export function buildOpenApi(routes: readonly Route[], options: { version: string }) {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const ok = successStatus(route);
    const responses: ZodOpenApiResponsesObject = {};
    for (const [status, r] of Object.entries(route.responses)) {
      responses[status as `${1 | 2 | 3 | 4 | 5}${string}`] = {
        description: r.description,
        ...(r.headers ? { headers: r.headers } : {}),
        ...(r.schema || r.contentType
          ? {
              content: {
                ...(r.schema ? { 'application/json': { schema: r.schema } } : {}),
                // A body that is not JSON: a picture (binary), or a text stream (server-sent events).
                ...(r.contentType ? { [r.contentType]: { schema: r.contentType.startsWith('text/') ? { type: 'string' as const } : { type: 'string' as const, format: 'binary' } } } : {}),
              },
            }
          : {}),
      };
    }
    const errors = new Set<number>([400, 429, 503, ...(route.errors ?? [])]);
    if (route.auth !== 'public' || route.errors?.includes(401)) errors.add(401);
    if (route.auth === 'personal') errors.add(403);
    if (route.body) errors.add(413).add(415);
    for (const status of [...errors].sort()) {
      if (responses[String(status) as `4${string}`]) continue;
      responses[String(status) as `4${string}`] = {
        description: ERROR_TEXT[status] ?? 'Error.',
        ...(status === 429 || status === 503 ? { headers: retryAfter } : {}),
        content: { 'application/json': { schema: errorSchema } },
      };
    }
    void ok;
    const operation: ZodOpenApiOperationObject = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      security: route.auth === 'public' ? [{}, { apiKey: [] }] : [{ apiKey: [] }],
      ...(route.params || route.query ? { requestParams: { ...(route.params ? { path: route.params } : {}), ...(route.query ? { query: route.query } : {}) } } : {}),
      ...(route.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: route.body } } } }
        : route.rawBody
          ? { requestBody: { required: true, description: route.rawBody.description, content: { [route.rawBody.contentType]: { schema: route.rawBody.schema } } } }
          : {}),
      responses,
    };
    (paths[route.path] ??= {})[route.method] = operation;
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Caravan API',
      version: options.version,
      description:
        'Upload datasets, build and fine-tune assistants, chat with them, and read licenses, receipts and earnings. ' +
        'Authenticate with `Authorization: Bearer <key>`: personal keys act as their owner; license keys are bound to one API license. ' +
        'Every error is JSON `{error, message}` with a stable `error` code.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    // Relative: the server the document was fetched from (right behind proxies and on any port).
    servers: [{ url: '/v1', description: 'This Caravan server' }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name, description: TAGS[name] ?? name })),
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A Caravan API key (`cvn_p_…` personal, `cvn_l_…` license): `/apikey` in the chat.' } },
    },
    paths,
  });
}

const TAGS: Record<string, string> = {
  keys: 'API keys: personal keys act as their owner, license keys are bound to an API license.',
  datasets: 'Upload datasets and follow their review.',
  assistants: 'Build assistants, fine-tune them and chat with them.',
  money: 'Licenses, receipts and earnings, read from the chain.',
  webhooks: 'Events of yours POSTed to your URL, signed with HMAC-SHA256.',
  chain: 'The chain and contracts this server uses.',
};
