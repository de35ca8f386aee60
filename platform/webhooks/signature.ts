/*
 * Webhook signatures: the server signs with the same code the SDK verifies with (sdk/src/webhooks.ts,
 * Stripe's scheme `Caravan-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`),
 * so the two cannot disagree. That file imports only node:crypto.
 */
export {
  computeWebhookSignature,
  DEFAULT_SIGNATURE_TOLERANCE_SEC,
  SIGNATURE_HEADER,
  signWebhookPayload,
  verifyWebhookSignature,
} from '../../sdk/src/webhooks.ts';
