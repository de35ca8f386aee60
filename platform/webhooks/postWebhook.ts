import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { describeError, InputError } from '../errors.ts';
import { isPrivateAddress, parseWebhookUrl } from './webhookUrl.ts';

export type PostWebhookParameters = {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The whole attempt: connecting, sending and the answer's head and first bytes. */
  timeoutMs: number;
  /** Otherwise names resolving to loopback or private addresses are refused (checked on the address connected to). */
  allowPrivateHosts: boolean;
};

/** What an attempt got: the HTTP status (null without an answer) and, unless 2xx, why it failed. */
export type PostWebhookResult = { status: number | null; error: string | null };

/** How much of a refusing receiver's answer is kept as the error. */
const ERROR_BODY_CHARS = 200;

/** Resolves like `dns.lookup`, refusing loopback and private addresses (so a name cannot be pointed at them later). */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 4);
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad) return callback(Object.assign(new InputError(`${hostname} resolves to ${bad.address}, a loopback or private address`), { code: 'EPRIVATE' }), '', 4);
    if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};

/**
 * POSTs one webhook body and reports what came back, never throwing: a 2xx is a success
 * (`error` null), anything else (another status, a refused connection, a timeout, a private
 * address) is a failure with its reason. Redirects are not followed.
 */
export async function postWebhook(params: PostWebhookParameters): Promise<PostWebhookResult> {
  let url: URL;
  try {
    url = parseWebhookUrl(params.url, { allowPrivateHosts: params.allowPrivateHosts });
  } catch (err) {
    return { status: null, error: describeError(err) };
  }
  const signal = AbortSignal.timeout(params.timeoutMs);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<PostWebhookResult>((resolve) => {
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { ...params.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(params.body)), 'user-agent': 'Caravan-Webhooks/1' },
        signal,
        ...(params.allowPrivateHosts ? {} : { lookup: publicOnlyLookup }),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < ERROR_BODY_CHARS) text += chunk;
        });
        const done = () => {
          if (status >= 200 && status < 300) return resolve({ status, error: null });
          const said = text.replace(/\s+/g, ' ').trim().slice(0, ERROR_BODY_CHARS);
          resolve({ status, error: `the receiver answered ${status}${said ? `: ${said}` : ''}` });
        };
        res.on('end', done);
        // An answer cut short still told its status.
        res.on('error', done);
        res.on('aborted', done);
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      const why = signal.aborted ? `no answer within ${Math.round(params.timeoutMs / 1000)} s` : err.code === 'EPRIVATE' ? err.message : `${err.code ?? 'error'}: ${err.message}`;
      resolve({ status: null, error: why });
    });
    req.end(params.body);
  });
}
