import { BaseError } from '../../platform/errors.ts';
import { API_VERSION } from '../createApiApp.ts';
import type { V1Deps } from './createV1Router.ts';
import { v1Routes } from './createV1Router.ts';
import { buildOpenApi } from './openapi.ts';

/**
 * The OpenAPI document without a running server (for the SDK's type generation and the lint):
 * routes only read their dependencies when handling a request, so none are given here.
 */
export function openApiDocument() {
  const noDeps = new Proxy({} as V1Deps, {
    get: (_t, key) => {
      throw new BaseError(`openApiDocument: routes must not read deps.${String(key)} while being described (a route reads its dependencies outside its handler).`);
    },
  });
  return buildOpenApi(v1Routes(noDeps), { version: API_VERSION });
}
