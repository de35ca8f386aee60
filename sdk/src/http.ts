import { ConnectionError, errorFor, type ApiErrorBody } from './errors.ts';

export type HttpOptions = {
  /** The server, e.g. `http://127.0.0.1:8080` (the `/v1` prefix is added). */
  baseUrl: string;
  /** A Caravan API key (`cvn_p_…` personal, `cvn_l_…` license); omit for public endpoints. */
  apiKey?: string | undefined;
  /** Retries of a 429 or 503 answer (and of network errors on GET/DELETE); default 2. */
  maxRetries?: number | undefined;
  /** The longest a retry waits (ms); an answer asking for longer (a quota reset next month) is thrown at once. Default 30 s. */
  maxRetryWaitMs?: number | undefined;
  /** Per-request timeout (ms); default 120 s (answers and uploads can take a while). */
  timeoutMs?: number | undefined;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch | undefined;
  /** Extra headers on every request. */
  headers?: Record<string, string> | undefined;
};

export type SendOptions = {
  method: string;
  /** Under `/v1`, with path parameters already filled in. */
  path: string;
  query?: Record<string, unknown> | undefined;
  /** JSON (objects) or a ready body (FormData for uploads). */
  body?: unknown;
  headers?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
};

/** `Retry-After` in seconds (a number of seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

/**
 * Sends one request to the API and returns the raw `Response` of a 2xx answer, retrying 429 and
 * 503 answers after the `Retry-After` the server sent (or an exponential backoff), at most
 * `maxRetries` times and never waiting longer than `maxRetryWaitMs`; any other error answer is
 * thrown as the `CaravanError` subclass for its status.
 */
export async function send(options: HttpOptions, req: SendOptions): Promise<Response> {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const maxRetries = options.maxRetries ?? 2;
  const maxWait = options.maxRetryWaitMs ?? 30_000;
  const url = new URL(`${options.baseUrl.replace(/\/+$/, '')}/v1${req.path}`);
  for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers, ...req.headers };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const isForm = typeof FormData !== 'undefined' && req.body instanceof FormData;
  let body: BodyInit | undefined;
  if (req.body !== undefined) {
    if (isForm) body = req.body as FormData;
    else {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.body);
    }
  }
  const idempotent = req.method === 'GET' || req.method === 'DELETE';

  for (let attempt = 0; ; attempt++) {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 120_000);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetchFn(url, { method: req.method, headers, body, signal });
    } catch (err) {
      if (req.signal?.aborted) throw err;
      if (idempotent && attempt < maxRetries) {
        await sleep(Math.min(maxWait, 500 * 2 ** attempt), req.signal);
        continue;
      }
      throw new ConnectionError(`Could not reach ${url.origin}: ${(err as Error).message}`, { cause: err });
    }
    if (res.ok) return res;
    const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
    let parsed: ApiErrorBody;
    const text = await res.text();
    try {
      parsed = JSON.parse(text) as ApiErrorBody;
      if (typeof parsed.error !== 'string') throw new Error('not an API error');
    } catch {
      parsed = { error: `http_${res.status}`, message: `${res.status} ${res.statusText}: ${text.slice(0, 200)}` };
    }
    if ((res.status === 429 || res.status === 503) && attempt < maxRetries) {
      const waitMs = (retryAfter ?? 2 ** attempt) * 1000;
      if (waitMs <= maxWait) {
        await sleep(waitMs, req.signal);
        continue;
      }
    }
    throw errorFor(res.status, parsed, retryAfter);
  }
}
