import type { components, paths } from './schema.d.ts';

/** The HTTP methods the API uses. */
export type Method = 'get' | 'post' | 'patch' | 'delete';

/** Paths that answer `M`. */
export type PathsFor<M extends Method> = {
  [P in keyof paths]: paths[P] extends { [K in M]: { responses: unknown } } ? P : never;
}[keyof paths];

/** The operation at `P` for `M`. */
export type Operation<P extends keyof paths, M extends Method> = paths[P] extends { [K in M]: infer O } ? O : never;

type PathParams<O> = O extends { parameters: { path: infer X } } ? ([X] extends [undefined] ? never : X) : never;
type QueryParams<O> = O extends { parameters: { query?: infer X } } ? X : never;
type JsonBody<O> = O extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;
type Ok<R> = R extends { content: { 'application/json': infer B } } ? B : undefined;

/** The JSON body of `O`'s success answer (200, 201 or 202). */
export type SuccessBody<O> = O extends { responses: infer R }
  ? R extends { 200: infer A }
    ? Ok<A>
    : R extends { 201: infer A }
      ? Ok<A>
      : R extends { 202: infer A }
        ? Ok<A>
        : never
  : never;

/** What a request to `O` needs: its path parameters, query and JSON body, each only where `O` has one. */
export type RequestOptions<O> = ([PathParams<O>] extends [never] ? { params?: undefined } : { params: PathParams<O> }) &
  ([QueryParams<O>] extends [never] ? { query?: undefined } : { query?: QueryParams<O> }) &
  ([JsonBody<O>] extends [never] ? { body?: undefined } : { body: JsonBody<O> }) & { signal?: AbortSignal | undefined };

/** A schema from the API's components, by name: `Schema<'Assistant'>`. */
export type Schema<N extends keyof components['schemas']> = components['schemas'][N];
