import { CaravanClient, type CaravanOptions, type Page } from './client.ts';
import type { Operation, RequestOptions, Schema } from './types.ts';

type Body<P extends Parameters<CaravanClient['post']>[0]> = RequestOptions<Operation<P, 'post'>> extends { body: infer B } ? B : never;
type PageParams = { cursor?: string | undefined; limit?: number | undefined };

/** How long `wait` methods poll, and how often. */
export type WaitOptions = { timeoutMs?: number | undefined; intervalMs?: number | undefined; signal?: AbortSignal | undefined };

/** What `assistants.stream` yields. */
export type ChatStreamEvent =
  | { type: 'delta'; text: string }
  | { type: 'citations'; citations: Schema<'Citation'>[] }
  | { type: 'done'; answer: Schema<'ChatResponse'> };

/** Calls `get` until `done` says so, or throws after `timeoutMs` (default 10 min). */
async function poll<T>(get: () => Promise<T>, done: (value: T) => boolean, options: WaitOptions, what: string): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  for (;;) {
    const value = await get();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, options.intervalMs ?? 1000);
      options.signal?.addEventListener('abort', () => (clearTimeout(t), reject(options.signal!.reason)), { once: true });
    });
  }
}

/** Server-sent events of a response body: `{event, data}` per event (comments and ids ignored). */
export async function* readEvents(res: Response): AsyncGenerator<{ event: string; data: string }> {
  if (!res.body) return;
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffer += decoder.decode(value, { stream: !done });
      let end: number;
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split(/\r?\n/)) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length) yield { event, data: data.join('\n') };
      }
      if (done) return;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * The Caravan API, method by method. Every method returns the API's JSON, typed from the
 * OpenAPI document; errors are `CaravanError` subclasses carrying `status` and `code`; 429 and
 * 503 answers are retried after their `Retry-After`.
 *
 * @example
 * const caravan = new Caravan({ baseUrl: 'http://127.0.0.1:8080', apiKey: process.env.CARAVAN_API_KEY });
 * const reply = await caravan.assistants.ask('as_4k9x2m7qa1', 'How long is the warranty?');
 * console.log(reply.text, reply.citations);
 */
export class Caravan {
  /** The low-level typed client (any path, any verb). */
  readonly client: CaravanClient;

  constructor(options: CaravanOptions) {
    this.client = new CaravanClient(options);
  }

  /** The chain id, contract addresses and accepted currencies. */
  chain() {
    return this.client.get('/chain', {});
  }

  readonly keys = {
    /** Your live keys (never the tokens). */
    list: (page: PageParams = {}) => this.client.get('/keys', { query: page }),
    /** A personal key, or one bound to your API license `license` (its on-chain id). The token is in the answer, once. */
    create: (body: Body<'/keys'>) => this.client.post('/keys', { body }),
    /** Revokes a key at once. */
    revoke: (id: string) => this.client.delete('/keys/{id}', { params: { id } }),
  };

  readonly licenses = {
    /** An assistant's license offers with their on-chain prices. */
    offers: (assistantId: string) => this.client.get('/assistants/{id}/licenses', { params: { id: assistantId } }),
    /** Buys a license from your custodial balance; `maxPrice` guards against a price raised meanwhile. */
    buy: (body: Body<'/licenses'>) => this.client.post('/licenses', { body }),
    /** Your licenses, with the calls used this period for API licenses. */
    list: (page: PageParams = {}) => this.client.get('/licenses', { query: page }),
  };

  /** The receipts you hold (your shares of assets' revenue). */
  receipts(page: PageParams = {}) {
    return this.client.get('/receipts', { query: page });
  }

  readonly earnings = {
    /** What you can claim, per asset and currency, read from the chain. */
    list: () => this.client.get('/earnings', {}),
    /** Claims everything claimable into your custodial balance (the platform pays the gas). */
    claim: () => this.client.post('/earnings/claim', {}),
  };

  /** Your addresses and balances. */
  wallet() {
    return this.client.get('/wallet', {});
  }

  readonly webhooks = {
    /** Registers `url` for `events`; the signing secret is in the answer, once. */
    create: (body: Body<'/webhooks'>) => this.client.post('/webhooks', { body }),
    list: (page: PageParams = {}) => this.client.get('/webhooks', { query: page }),
    delete: (id: string) => this.client.delete('/webhooks/{id}', { params: { id } }),
    /** The deliveries of one webhook, with their status and attempts. */
    deliveries: (id: string, page: PageParams = {}) => this.client.get('/webhooks/{id}/deliveries', { params: { id }, query: page }),
    /** Sends a signed `ping` event to the webhook now. */
    test: (id: string) => this.client.post('/webhooks/{id}/test', { params: { id } }),
  };

  readonly datasets = {
    /**
     * Uploads a file (.csv, .jsonl, .txt, .md) to become a dataset; answers at once with the upload
     * (`queued`). Follow it with `uploads.wait`.
     */
    upload: (file: { name: string; content: string | Uint8Array | Blob }, options: { access?: 'private' | 'open' | undefined; signal?: AbortSignal } = {}) => {
      const form = new FormData();
      if (options.access) form.set('access', options.access);
      const blob = file.content instanceof Blob ? file.content : new Blob([typeof file.content === 'string' ? file.content : new Uint8Array(file.content)]);
      form.set('file', blob, file.name);
      return this.client.raw('post', '/datasets', { signal: options.signal }, { body: form }).then((res) => res.json() as Promise<Schema<'Upload'>>);
    },
    /** Your datasets, newest first, with their review status. */
    list: (page: PageParams = {}) => this.client.get('/datasets', { query: page }),
    /** One dataset: yours in full (any status), others' only when open and approved. */
    get: (id: string) => this.client.get('/datasets/{id}', { params: { id } }),
    /** Waits until the dataset's review concludes (`approved` or `rejected`, returned, not thrown). */
    waitForReview: (id: string, options: WaitOptions = {}) =>
      poll(() => this.client.get('/datasets/{id}', { params: { id } }), (d) => d.status !== 'pending_review', options, `the review of ${id}`),
  };

  readonly uploads = {
    get: (id: string) => this.client.get('/uploads/{id}', { params: { id } }),
    /**
     * Waits until the upload is processed (`accepted`, `duplicate`, `rejected` or `failed`) and
     * returns it; a rejection is a status, not an exception.
     */
    wait: (id: string, options: WaitOptions = {}) =>
      poll(() => this.client.get('/uploads/{id}', { params: { id } }), (u) => u.status !== 'queued' && u.status !== 'processing', options, `upload ${id}`),
  };

  readonly assistants = {
    /** Creates an assistant from the wizard's fields and queues its fine-tune. */
    create: (body: Body<'/assistants'>) => this.client.post('/assistants', { body }),
    /** Public assistants (`{ mine: 'true' }`: your own, any visibility). */
    list: (query: PageParams & { mine?: 'true' | 'false' | undefined } = {}) => this.client.get('/assistants', { query }),
    get: (id: string) => this.client.get('/assistants/{id}', { params: { id } }),
    /** Asks within a conversation (`messages`, the last one the user's). */
    chat: (id: string, messages: Body<'/assistants/{id}/chat'>['messages']) => this.client.post('/assistants/{id}/chat', { params: { id }, body: { messages } }),
    /** One question, no history. */
    ask: (id: string, question: string) => this.client.post('/assistants/{id}/chat', { params: { id }, body: { messages: [{ role: 'user', content: question }] } }),
    /**
     * The answer as server-sent events: `delta` pieces of the text, then `citations`, then `done`
     * with the whole answer.
     */
    stream: (id: string, messages: Body<'/assistants/{id}/chat'>['messages'], options: { signal?: AbortSignal } = {}): AsyncGenerator<ChatStreamEvent> =>
      this.streamChat(id, messages, options.signal),
  };

  readonly finetunes = {
    /** Status, live progress and loss history of your assistant's fine-tune. */
    get: (assistantId: string) => this.client.get('/assistants/{id}/finetune', { params: { id: assistantId } }),
    /** Waits until it is `ready` or `failed` (returned, not thrown), calling `onProgress` with each new state. */
    wait: (assistantId: string, options: WaitOptions & { onProgress?: ((f: Schema<'Finetune'>) => void) | undefined } = {}) =>
      poll(
        async () => {
          const f = await this.client.get('/assistants/{id}/finetune', { params: { id: assistantId } });
          options.onProgress?.(f);
          return f;
        },
        (f) => f.status === 'ready' || f.status === 'failed',
        options,
        `the fine-tune of ${assistantId}`,
      ),
    /** The loss plot, a PNG. */
    lossPlot: async (assistantId: string): Promise<Uint8Array> => {
      const res = await this.client.raw('get', '/assistants/{id}/finetune/loss.png', { params: { id: assistantId } }, { accept: 'image/png' });
      return new Uint8Array(await res.arrayBuffer());
    },
  };

  private async *streamChat(id: string, messages: Body<'/assistants/{id}/chat'>['messages'], signal?: AbortSignal): AsyncGenerator<ChatStreamEvent> {
    const res = await this.client.raw('post', '/assistants/{id}/chat', { params: { id }, body: { messages, stream: true }, signal }, { accept: 'text/event-stream' });
    for await (const e of readEvents(res)) {
      if (e.event === 'delta') yield { type: 'delta', text: (JSON.parse(e.data) as { text: string }).text };
      else if (e.event === 'citations') yield { type: 'citations', citations: JSON.parse(e.data) as Schema<'Citation'>[] };
      else if (e.event === 'done') yield { type: 'done', answer: JSON.parse(e.data) as Schema<'ChatResponse'> };
    }
  }

  /** Every item of a paginated list: `for await (const k of caravan.all((p) => caravan.keys.list(p)))`. */
  all<T>(list: (page: PageParams) => Promise<Page<T>>): AsyncGenerator<T> {
    return this.client.paginate((cursor) => list({ cursor, limit: 100 }));
  }
}

export type { Schema };
