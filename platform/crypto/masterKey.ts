import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { ConfigError } from '../errors.ts';
import type { AesKey } from './aead.ts';

/**
 * Returns the master key: `MASTER_KEY` when set, otherwise the dev key kept in
 * `<home>/master.key` (created with mode 0600 on first start).
 */
export function loadMasterKey(params: { masterKeyHex?: string | undefined; home: string }): AesKey {
  if (params.masterKeyHex) return Buffer.from(params.masterKeyHex.replace(/^0x/, ''), 'hex');
  const file = path.join(params.home, 'master.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(params.home, { recursive: true });
    fs.writeFileSync(file, crypto.randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  }
  const hex = fs.readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/i.test(hex))
    throw new ConfigError(`The dev master key in ${file} is corrupt.`, {
      metaMessages: ['Restore it from a backup, or set MASTER_KEY. Without it, stored datasets cannot be decrypted.'],
    });
  return Buffer.from(hex, 'hex');
}
