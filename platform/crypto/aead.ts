import crypto from 'node:crypto';
import { InputError } from '../errors.ts';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A 32-byte AES-256 key. */
export type AesKey = Buffer;

/** Returns a fresh random AES-256 key. */
export function generateKey(): AesKey {
  return crypto.randomBytes(32);
}

/**
 * Encrypts with AES-256-GCM. Output: version (1 byte) ‖ IV (12) ‖ tag (16) ‖ ciphertext.
 * `aad` binds the ciphertext to its purpose (a wrapped key cannot be swapped for a blob).
 */
export function seal(key: AesKey, plaintext: Uint8Array, aad = ''): Buffer {
  assertKey(key);
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
}

/** Decrypts what `seal` produced; throws `DecryptionError` if the data or key is wrong. */
export function open(key: AesKey, sealed: Uint8Array, aad = ''): Buffer {
  assertKey(key);
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (buf.length < 1 + IV_BYTES + TAG_BYTES || buf[0] !== VERSION)
    throw new DecryptionError('Encrypted data is truncated or in an unknown format.');
  const iv = buf.subarray(1, 1 + IV_BYTES);
  const tag = buf.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(buf.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch (cause) {
    throw new DecryptionError('Decryption failed: wrong key or tampered data.', { cause });
  }
}

/** Wraps a data key with the master key. */
export function wrapKey(master: AesKey, dataKey: AesKey, purpose: string): Buffer {
  return seal(master, dataKey, `caravan:key:${purpose}`);
}

/** Unwraps a data key wrapped by `wrapKey` with the same purpose. */
export function unwrapKey(master: AesKey, wrapped: Uint8Array, purpose: string): AesKey {
  return open(master, wrapped, `caravan:key:${purpose}`);
}

function assertKey(key: Buffer) {
  if (key.length !== 32) throw new InputError(`AES-256 keys are 32 bytes; got ${key.length}.`);
}

export class DecryptionError extends InputError {
  override name = 'DecryptionError' as const;
}
