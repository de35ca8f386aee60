import crypto from 'node:crypto';

/*
 * Webhook signatures, Stripe's scheme: `Caravan-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`,
 * the HMAC keyed with the webhook's secret (`whsec_…`, the whole string) over `<t>.<raw body>`.
 * This file imports nothing but node:crypto, so the SDK can copy or re-export it.
 */

/** The header that carries the signature. */
export const SIGNATURE_HEADER = 'Caravan-Signature';

/** How old a signature may be by default when it is checked (seconds): older ones are refused as replays. */
export const DEFAULT_SIGNATURE_TOLERANCE_SEC = 300;

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
 * Checks a delivery's `Caravan-Signature` header against the raw body as received (not re-serialised
 * JSON) and the webhook's secret: true when one of its `v1` signatures matches and its timestamp is
 * within `toleranceSec` of now (0 turns the age check off). Comparison is constant-time.
 *
 * @example
 * if (!verifyWebhookSignature(process.env.CARAVAN_WEBHOOK_SECRET!, req.get('caravan-signature'), rawBody)) res.status(400).end();
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | null | undefined,
  rawBody: string | Uint8Array,
  toleranceSec: number = DEFAULT_SIGNATURE_TOLERANCE_SEC,
  nowSec: number = Math.floor(Date.now() / 1000),
): boolean {
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
