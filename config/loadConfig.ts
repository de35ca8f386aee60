import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../platform/errors.ts';
import { envSchema, type Env } from './schema.ts';

/** The governance settings production must set explicitly. */
export const GOVERNANCE_SETTINGS = ['GOV_VOTING_DELAY', 'GOV_VOTING_PERIOD', 'GOV_PROPOSAL_THRESHOLD', 'GOV_QUORUM_PERCENT', 'GOV_TIMELOCK_DELAY'] as const;

/** The typed configuration every process starts from. */
export type Config = Env & {
  /** Absolute path of CARAVAN_HOME. */
  home: string;
  /** Base URL for links (PUBLIC_URL or http://HOST:PORT). */
  publicUrl: string;
  /** Whether this process runs on the zero-setup embedded services. */
  embedded: { postgres: boolean; redis: boolean; chain: boolean };
};

/**
 * Reads and validates settings from `env`. A missing or malformed setting throws a
 * `ConfigError` naming every offending variable and what is expected.
 *
 * @example
 * const config = loadConfig(process.env)
 */
export function loadConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  // Empty strings in the environment mean "unset".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) throw configErrorFrom(parsed.error);
  const e = parsed.data;

  const problems: string[] = [];
  if (e.NODE_ENV === 'production') {
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'RPC_URL', 'MASTER_KEY'] as const)
      if (!e[name]) problems.push(`${name}: required when NODE_ENV=production (embedded defaults are for development)`);
    if (!e.FOUNDATION_ADDRESS)
      problems.push('FOUNDATION_ADDRESS: required when NODE_ENV=production (the Foundation is an address of its own, never the operator key)');
    for (const name of GOVERNANCE_SETTINGS)
      if (e[name] === undefined)
        problems.push(`${name}: required when NODE_ENV=production (the dev governance settings — a 20-block vote, no proposal threshold, a 1-hour timelock — are for development)`);
  }
  if (e.GOV_QUORUM_PERCENT !== undefined && e.GOV_QUORUM_PERCENT * 100 > Math.min(e.GOV_RECEIPT_VOTE_BPS, 10_000 - e.GOV_RECEIPT_VOTE_BPS))
    problems.push(
      `GOV_QUORUM_PERCENT: at most ${Math.floor(Math.min(e.GOV_RECEIPT_VOTE_BPS, 10_000 - e.GOV_RECEIPT_VOTE_BPS) / 100)} with GOV_RECEIPT_VOTE_BPS=${e.GOV_RECEIPT_VOTE_BPS}, so that token holders alone and receipt holders alone can reach quorum`,
    );
  if (e.CONTRACT_ADDRESSES) {
    try {
      const v: unknown = JSON.parse(e.CONTRACT_ADDRESSES);
      if (typeof v !== 'object' || v === null) throw new Error('not an object');
    } catch {
      problems.push('CONTRACT_ADDRESSES: expected JSON like {"assetRegistry":"0x…","receipts":"0x…"}');
    }
  }
  if (e.REVIEW_QUORUM * e.REVIEWER_SHARE_BPS >= 10_000)
    problems.push('REVIEWER_SHARE_BPS: the reviewers of one dataset (REVIEW_QUORUM of them) must hold less than 100 % together');
  if (e.PAYMENT_TOKENS) {
    try {
      const list: unknown = JSON.parse(e.PAYMENT_TOKENS);
      const ok =
        Array.isArray(list) &&
        list.every(
          (t: { symbol?: unknown; address?: unknown; decimals?: unknown }) =>
            typeof t.symbol === 'string' &&
            /^[A-Za-z0-9.]{1,11}$/.test(t.symbol) &&
            typeof t.address === 'string' &&
            /^0x[0-9a-fA-F]{40}$/.test(t.address) &&
            Number.isInteger(t.decimals) &&
            (t.decimals as number) >= 0 &&
            (t.decimals as number) <= 36,
        );
      if (!ok) throw new Error('bad shape');
    } catch {
      problems.push('PAYMENT_TOKENS: expected JSON like [{"symbol":"USDC","address":"0x…","decimals":6}]');
    }
  }
  if (e.TELEGRAM_WEBHOOK_URL && !e.TELEGRAM_BOT_TOKEN) problems.push('TELEGRAM_WEBHOOK_URL: set TELEGRAM_BOT_TOKEN too (the webhook is the bot’s)');
  for (const c of e.GOVERNANCE_CHANNELS) {
    const token = c.target.transport === 'discord' ? 'DISCORD_TOKEN' : c.target.transport === 'telegram' ? 'TELEGRAM_BOT_TOKEN' : undefined;
    if (token && !e[token]) problems.push(`GOVERNANCE_CHANNELS: ${c.id} needs ${token} (nothing could be posted there without it)`);
  }
  if (problems.length) throw new ConfigError('Invalid configuration.', { metaMessages: problems });

  return {
    ...e,
    home: path.resolve(cwd, e.CARAVAN_HOME),
    publicUrl: (e.PUBLIC_URL ?? `http://${e.HOST}:${e.PORT}`).replace(/\/$/, ''),
    embedded: { postgres: !e.DATABASE_URL, redis: !e.REDIS_URL, chain: !e.RPC_URL },
  };
}

function configErrorFrom(error: z.ZodError): ConfigError {
  const problems = error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    return `${name}: ${issue.message}`;
  });
  return new ConfigError('Invalid configuration.', {
    metaMessages: problems,
    details: 'Fix the variables above in the environment (or unset them to use the dev defaults).',
  });
}
