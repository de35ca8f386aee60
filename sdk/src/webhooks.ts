import crypto from 'node:crypto';

/*
 * Webhook signatures, Stripe's scheme: `Caravan-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`,
 * keyed with the webhook's secret (`whsec_…`, the whole string), over `<t>.<raw body>`. The
 * server signs with this file too, so the two cannot disagree. Only node:crypto is imported.
 */

/** The header that carries the signature. */
export const SIGNATURE_HEADER = 'Caravan-Signature';

/** How old a signature may be by default (seconds): older ones are refused as replays. */
export const DEFAULT_SIGNATURE_TOLERANCE_SEC = 300;

/** A delivery's body: `{id, type, createdAt, data}`. */
export type WebhookDelivery<T = Record<string, unknown>> = { id: string; type: string; createdAt: string; data: T };

/** The hex HMAC-SHA256 of `<timestamp>.<rawBody>` with `secret`. */
export function computeWebhookSignature(secret: string, timestampSec: number, rawBody: string | Uint8Array): string {
  return crypto
    .createHmac('sha256', secret)
    .update(`${timestampSec}.`)
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .digest('hex');
}

/**
 * The `Caravan-Signature` header value for `rawBody` sent at `timestampSec`.
 * @example signWebhookPayload('whsec_…', '{"id":"…"}', 1767225600) // 't=1767225600,v1=5f0c…'
 */
export function signWebhookPayload(secret: string, rawBody: string | Uint8Array, timestampSec: number): string {
  return `t=${timestampSec},v1=${computeWebhookSignature(secret, timestampSec, rawBody)}`;
}

/**
 * Checks a delivery's `Caravan-Signature` header against the raw body as received (not
 * re-serialised JSON) and the webhook's secret: true when one of its `v1` signatures matches and
 * its timestamp is within `toleranceSec` of now (0 turns the age check off). Constant-time.
 *
 * @example
 * if (!verifyWebhookSignature(secret, req.headers['caravan-signature'], rawBody)) return res.status(400).end();
 */
export function verifyWebhookSignature(
  secret: string,
  /** The header's value; as Node gives headers (`req.headers['caravan-signature']`), an array is joined. */
  header: string | string[] | null | undefined,
  rawBody: string | Uint8Array,
  toleranceSec: number = DEFAULT_SIGNATURE_TOLERANCE_SEC,
  nowSec: number = Math.floor(Date.now() / 1000),
): boolean {
  if (Array.isArray(header)) header = header.join(',');
  if (!header || !secret) return false;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
  }
  if (timestamp === undefined || !signatures.length) return false;
  if (toleranceSec > 0 && Math.abs(nowSec - timestamp) > toleranceSec) return false;
  const expected = Buffer.from(computeWebhookSignature(secret, timestamp, rawBody), 'hex');
  // Several v1 values: a secret being rotated signs with both.
  return signatures.some((s) => crypto.timingSafeEqual(Buffer.from(s, 'hex'), expected));
}

/** The signature did not match (wrong secret, a changed body, or too old). */
export class WebhookSignatureError extends Error {
  override name = 'WebhookSignatureError';
}

/**
 * Verifies a delivery and returns its parsed body, or throws `WebhookSignatureError`. Deliveries
 * can repeat only if your answer was lost: keep the `id`s you handled.
 *
 * @example
 * const event = constructWebhookEvent(rawBody, req.headers['caravan-signature'], process.env.CARAVAN_WEBHOOK_SECRET!);
 * if (event.type === 'finetune.finished') …
 */
export function constructWebhookEvent<T = Record<string, unknown>>(
  rawBody: string | Uint8Array,
  header: string | string[] | null | undefined,
  secret: string,
  toleranceSec = DEFAULT_SIGNATURE_TOLERANCE_SEC,
): WebhookDelivery<T> {
  if (!verifyWebhookSignature(secret, header, rawBody, toleranceSec)) throw new WebhookSignatureError('The webhook signature does not match this body and secret (or it is too old).');
  return JSON.parse(typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8')) as WebhookDelivery<T>;
}
