import type { Request, Response } from 'express';
import { z } from 'zod';
import type { ApiPrincipal } from '../../platform/apikeys/authenticateApiKey.ts';

/**
 * Who may call a route:
 * - `public`: anyone; a key, when sent, is still checked (a bad one is 401) and identifies the caller;
 * - `personal`: a personal key (acts as its owner); a license key is refused with 403;
 * - `key`: any valid key (personal or license), e.g. chatting with a licensed assistant.
 */
export type RouteAuth = 'public' | 'personal' | 'key';

export type RouteResponse = {
  description: string;
  /** The JSON body (omit for bodies that are not JSON, see `contentType`). */
  schema?: z.ZodType | undefined;
  /** A body that is not JSON: `image/png`, `text/event-stream` (with `schema` too: either, as the request asks). */
  contentType?: string | undefined;
  headers?: Record<string, { description: string; schema: { type: 'string' | 'integer' } }> | undefined;
};

/** What a handler gets: the validated parameters, query and body, and who is calling. */
export type RouteContext<P, Q, B, A extends RouteAuth> = {
  params: P;
  query: Q;
  body: B;
  principal: A extends 'public' ? ApiPrincipal | null : ApiPrincipal;
  req: Request;
  res: Response;
};

/**
 * One `/v1` endpoint: its description in OpenAPI terms and its handler, from the same zod
 * schemas, so the document cannot drift from what the server accepts. The router and the
 * document are both built from the list of routes (see `mountRoutes`, `buildOpenApi`).
 */
export type Route<
  P extends z.ZodObject = z.ZodObject,
  Q extends z.ZodObject = z.ZodObject,
  B extends z.ZodType = z.ZodType,
  A extends RouteAuth = RouteAuth,
> = {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI style, under `/v1`: `/datasets/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string | undefined;
  tag: string;
  auth: A;
  params?: P | undefined;
  query?: Q | undefined;
  /** A JSON body, validated strictly (unknown fields are refused). */
  body?: B | undefined;
  /** JSON body limit; default 64 kB. */
  bodyLimit?: string | undefined;
  /** A body that is not JSON, read by the handler itself (multipart uploads). Described as given. */
  rawBody?: { contentType: string; schema: Record<string, unknown>; description: string } | undefined;
  /** The success status (default 200) is the first key; errors are added from `errors`. */
  responses: Record<number, RouteResponse>;
  /** Error codes this route may answer besides the common ones (401, 429, 500). */
  errors?: number[] | undefined;
  /**
   * Returns the JSON body of the success response, or `undefined` when it answered itself
   * (a picture, a stream).
   */
  handle: (ctx: RouteContext<z.infer<P>, z.infer<Q>, z.infer<B>, A>) => Promise<unknown>;
};

/** Keeps a route's types (params, query, body, auth) tied together. */
export function defineRoute<P extends z.ZodObject, Q extends z.ZodObject, B extends z.ZodType, A extends RouteAuth>(
  route: Route<P, Q, B, A>,
): Route {
  return route as unknown as Route;
}

/** Every error the API answers, as JSON. */
export const errorSchema = z
  .object({
    error: z.string().meta({ description: 'A stable, machine-readable code (`not_found`, `invalid_key`, `quota_exceeded`, …).' }),
    message: z.string().meta({ description: 'What went wrong, written for people.' }),
    resetAt: z.string().optional().meta({ description: 'When a spent quota or rate limit is back (ISO 8601).' }),
    assistant: z.string().optional().meta({ description: 'The assistant a license is required for.' }),
  })
  .meta({ id: 'Error' });

/** `?cursor=…&limit=…` on every list. */
export const pageQuery = z.strictObject({
  cursor: z.string().max(200).optional().meta({ description: 'The `nextCursor` of the previous page.' }),
  limit: z.coerce.number().int().min(1).max(100).default(20).meta({ description: 'Items per page (1–100, default 20).' }),
});

/** A page of a list: its items and the cursor of the next page (null at the end). */
export function pageOf<T extends z.ZodType>(item: T, id: string) {
  return z
    .object({
      items: z.array(item),
      nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
    })
    .meta({ id });
}
