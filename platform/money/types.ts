import type { ChainDeps } from '../chain/clients.ts';
import type { AesKey } from '../crypto/aead.ts';
import type { Db } from '../db/client.ts';
import type { RateLimiter } from '../limits/rateLimiter.ts';
import type { Logger } from '../log.ts';
import type { Currency } from './currencies.ts';
import type { MoneySettings } from './settings.ts';

/** What the money actions need: the chain, the users' keys, the accepted currencies and the settings. */
export type MoneyDeps = {
  db: Db;
  chain: ChainDeps;
  masterKey: AesKey;
  /** Accepted currencies; the first is the one new prices are set in. */
  currencies: readonly Currency[];
  settings: MoneySettings;
  /** Counts gas top-ups and faucet uses per user (Redis, shared by every process). */
  limiter: RateLimiter;
  log: Logger;
};
