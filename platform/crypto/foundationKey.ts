import fs from 'node:fs';
import path from 'node:path';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { ConfigError } from '../errors.ts';

/** Name of the dev Foundation's key file under CARAVAN_HOME. */
export const FOUNDATION_KEY_FILE = 'foundation.key';

/**
 * The dev stack's Foundation: a key of its own, kept in `<home>/foundation.key` (created with mode 0600 on first
 * use), never the operator's key. Production has no Foundation key at all, only FOUNDATION_ADDRESS (its multisig).
 *
 * @example
 * const foundation = loadDevFoundationKey({ home: config.home });
 * await deployCaravan({ walletClient, publicClient, foundation: foundation.address });
 */
export function loadDevFoundationKey(params: { home: string }): PrivateKeyAccount {
  const file = path.join(params.home, FOUNDATION_KEY_FILE);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(params.home, { recursive: true });
    try {
      fs.writeFileSync(file, `${generatePrivateKey()}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // Another process of the same stack wrote it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const hex = fs.readFileSync(file, 'utf8').trim();
  if (!/^0x[0-9a-f]{64}$/i.test(hex))
    throw new ConfigError(`The dev Foundation key in ${file} is corrupt.`, {
      metaMessages: ['Delete it only together with the dev chain state (a new key is not the Foundation of the deployed charter).'],
    });
  return privateKeyToAccount(hex as `0x${string}`);
}
