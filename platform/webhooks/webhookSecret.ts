import crypto from 'node:crypto';
import { open, seal, type AesKey } from '../crypto/aead.ts';

/** A fresh signing secret: `whsec_` and 32 random bytes (base64url). */
export function newWebhookSecret(): string {
  return `whsec_${crypto.randomBytes(32).toString('base64url')}`;
}

/** Binds a sealed secret to its webhook: one cannot be swapped for another's. */
const aadOf = (webhookPublicId: string) => `caravan:webhook-secret:${webhookPublicId}`;

/** Seals a webhook's secret with the master key for storage. */
export function sealWebhookSecret(masterKey: AesKey, webhookPublicId: string, secret: string): Buffer {
  return seal(masterKey, Buffer.from(secret, 'utf8'), aadOf(webhookPublicId));
}

/** The secret `sealWebhookSecret` stored. */
export function openWebhookSecret(masterKey: AesKey, webhookPublicId: string, sealed: Uint8Array): string {
  return open(masterKey, sealed, aadOf(webhookPublicId)).toString('utf8');
}
