import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceivedWebhook = { headers: http.IncomingHttpHeaders; body: string; status: number; at: number };

/** How the receiver answers its `n`-th request (1-based): a status, after an optional delay. */
export type ReceiverAnswer = (n: number, request: { headers: http.IncomingHttpHeaders; body: string }) => { status: number; delayMs?: number };

/**
 * A local HTTP server standing in for a developer's webhook endpoint: it keeps every request
 * (headers, raw body, the status it answered) and answers as the test tells it. `close()` stops
 * it and drops open connections.
 */
export async function startWebhookReceiver(answer: ReceiverAnswer = () => ({ status: 200 })) {
  const received: ReceivedWebhook[] = [];
  let respond = answer;
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const a = respond(received.length + 1, { headers: req.headers, body });
      received.push({ headers: req.headers, body, status: a.status, at: Date.now() });
      setTimeout(() => res.writeHead(a.status, { 'content-type': 'text/plain' }).end(a.status < 300 ? 'ok' : 'try later'), a.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    /** Changes how later requests are answered. */
    answer(fn: ReceiverAnswer) {
      respond = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>;
