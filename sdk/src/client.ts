import { send, type HttpOptions } from './http.ts';
import type { Method, Operation, PathsFor, RequestOptions, SuccessBody } from './types.ts';

export type CaravanOptions = HttpOptions;

/** A page of a list endpoint. */
export type Page<T> = { items: T[]; nextCursor: string | null };

/**
 * The low-level typed client: one method per HTTP verb, typed from the OpenAPI document (paths,
 * parameters, bodies and answers), with the errors and retries of `send`. `Caravan` builds the
 * friendly methods on it.
 *
 * @example
 * const api = new CaravanClient({ baseUrl: 'http://127.0.0.1:8080', apiKey: process.env.CARAVAN_API_KEY });
 * const chain = await api.get('/chain', {});
 */
export class CaravanClient {
  readonly options: CaravanOptions;

  constructor(options: CaravanOptions) {
    if (!options.baseUrl) throw new TypeError('CaravanClient: baseUrl is required, e.g. http://127.0.0.1:8080');
    this.options = options;
  }

  /** Sends `method` to `path` and returns the parsed success body. */
  async request<M extends Method, P extends PathsFor<M>>(
    method: M,
    path: P,
    options: RequestOptions<Operation<P, M>>,
  ): Promise<SuccessBody<Operation<P, M>>> {
    const res = await this.raw(method, path, options);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as SuccessBody<Operation<P, M>>;
  }

  /** Like `request`, but returns the `Response` (pictures, streams). */
  async raw<M extends Method, P extends PathsFor<M>>(method: M, path: P, options: RequestOptions<Operation<P, M>>, extra?: { accept?: string; body?: unknown }): Promise<Response> {
    const o = options as { params?: Record<string, string>; query?: Record<string, unknown>; body?: unknown; signal?: AbortSignal };
    const filled = (path as string).replace(/\{(\w+)\}/g, (_m, name: string) => {
      const value = o.params?.[name];
      if (value === undefined) throw new TypeError(`${path}: the path parameter "${name}" is missing`);
      return encodeURIComponent(value);
    });
    return send(this.options, {
      method: method.toUpperCase(),
      path: filled,
      query: o.query,
      body: extra?.body ?? o.body,
      headers: extra?.accept ? { accept: extra.accept } : undefined,
      signal: o.signal,
    });
  }

  get<P extends PathsFor<'get'>>(path: P, options: RequestOptions<Operation<P, 'get'>>) {
    return this.request('get', path, options);
  }
  post<P extends PathsFor<'post'>>(path: P, options: RequestOptions<Operation<P, 'post'>>) {
    return this.request('post', path, options);
  }
  delete<P extends PathsFor<'delete'>>(path: P, options: RequestOptions<Operation<P, 'delete'>>) {
    return this.request('delete', path, options);
  }

  /**
   * Every item of a list, page after page: `for await (const d of api.paginate((cursor) => api.get('/datasets', { query: { cursor } })))`.
   */
  async *paginate<T>(page: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
    let cursor: string | undefined;
    do {
      const p = await page(cursor);
      yield* p.items;
      cursor = p.nextCursor ?? undefined;
    } while (cursor);
  }
}
