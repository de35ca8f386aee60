import { CaravanClient, type CaravanOptions, type Page } from './client.ts';
import type { Operation, RequestOptions, Schema } from './types.ts';

type Body<P extends Parameters<CaravanClient['post']>[0]> = RequestOptions<Operation<P, 'post'>> extends { body: infer B } ? B : never;
type PageParams = { cursor?: string | undefined; limit?: number | undefined };

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
    /** Claims it to your address. */
    claim: (body: Body<'/earnings/claim'>) => this.client.post('/earnings/claim', { body }),
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
  };

  readonly assistants = {
    get: (id: string) => this.client.get('/assistants/{id}', { params: { id } }),
    /** Asks one question (or continues a conversation: `messages`). */
    chat: (id: string, body: Body<'/assistants/{id}/chat'>) => this.client.post('/assistants/{id}/chat', { params: { id }, body }),
    /** One question, no history. */
    ask: (id: string, question: string) => this.client.post('/assistants/{id}/chat', { params: { id }, body: { messages: [{ role: 'user', content: question }] } }),
  };

  readonly datasets = {
    get: (id: string) => this.client.get('/datasets/{id}', { params: { id } }),
  };

  /** Every item of a paginated list: `for await (const k of caravan.all((p) => caravan.keys.list(p)))`. */
  all<T>(list: (page: PageParams) => Promise<Page<T>>): AsyncGenerator<T> {
    return this.client.paginate((cursor) => list({ cursor, limit: 100 }));
  }
}

export type { Schema };
