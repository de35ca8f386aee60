export { Caravan } from './caravan.ts';
export { CaravanClient, type CaravanOptions, type Page } from './client.ts';
export {
  AuthenticationError,
  BadRequestError,
  CaravanError,
  ConflictError,
  ConnectionError,
  InternalServerError,
  PaymentRequiredError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  ServiceUnavailableError,
  UnsupportedMediaTypeError,
  type ApiErrorBody,
} from './errors.ts';
export type { Schema } from './types.ts';
export type { components, paths, operations } from './schema.d.ts';
export {
  constructWebhookEvent,
  signWebhookPayload,
  verifyWebhookSignature,
  WebhookSignatureError,
  SIGNATURE_HEADER,
  type WebhookDelivery,
} from './webhooks.ts';
