import { ConfigError } from '../platform/errors.ts';
import { z } from 'zod';
import { parseGovernanceChannels } from '../governance/channel/channels.ts';

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const hex32 = z
  .string()
  .regex(/^(0x)?[0-9a-fA-F]{64}$/, 'expected 32 bytes as 64 hex characters (optionally 0x-prefixed)');

const port = z.coerce.number().int().min(0).max(65535);

const positiveInt = z.coerce.number().int().positive();

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** A duration like `90s`, `30m`, `24h`, `2d` (or plain milliseconds), in milliseconds. */
const duration = z
  .string()
  .trim()
  .regex(/^\d+(ms|s|m|h|d)?$/, 'expected a duration like 90s, 30m, 24h or 2d')
  .transform((v) => {
    const m = /^(\d+)(ms|s|m|h|d)?$/.exec(v)!;
    return Number(m[1]) * UNITS[(m[2] ?? 'ms') as keyof typeof UNITS];
  })
  .refine((ms) => ms > 0, 'must be longer than 0');

/** Messages a second per transport, like `telegram:30,discord:25`. */
const ratePerTransport = z
  .string()
  .trim()
  .regex(/^((telegram|discord|web):\d+(\.\d+)?)(,\s*(telegram|discord|web):\d+(\.\d+)?)*$/, 'expected rates like telegram:30,discord:25 (messages a second per transport)')
  .transform((v) => Object.fromEntries(v.split(',').map((p) => p.trim().split(':')).map(([k, n]) => [k!, Number(n)])) as Partial<Record<'telegram' | 'discord' | 'web', number>>)
  .refine((rates) => Object.values(rates).every((n) => n > 0), 'each rate must be above 0');

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, `expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);

/**
 * Every setting Caravan reads from the environment. Nothing set means the zero-setup dev
 * stack: embedded PostgreSQL, a local Redis, anvil, generated master key, all under
 * `CARAVAN_HOME`.
 */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Where the dev stack keeps its data (PostgreSQL, chain state, blobs, keys). */
  CARAVAN_HOME: z.string().trim().min(1).default('.caravan'),

  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  /** Public base URL used in links sent to chat (defaults to http://HOST:PORT). */
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  /**
   * Behind a reverse proxy: which proxies' X-Forwarded-For to believe for the client address the
   * per-address API limit counts (express's "trust proxy": `loopback`, a number of hops, addresses).
   * Unset: the address of the connection.
   */
  TRUST_PROXY: optionalString,

  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  EMBEDDED_PG_PORT: port.default(54329),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  EMBEDDED_REDIS_PORT: port.default(63799),
  /** Prefix of every BullMQ key, so several stacks can share one Redis. */
  QUEUE_PREFIX: z.string().trim().min(1).default('caravan'),

  RPC_URL: url(['http:', 'https:', 'ws:', 'wss:']).optional(),
  ANVIL_PORT: port.default(8545),
  /** Key of the platform's operator account (pays gas, holds OPERATOR_ROLE). */
  OPERATOR_PRIVATE_KEY: hex32.optional(),
  /** Addresses of already deployed contracts (production). JSON {"assetRegistry":"0x…",…}. */
  CONTRACT_ADDRESSES: optionalString,
  /** Blocks to wait before treating a transaction as final (0 on anvil). */
  CONFIRMATIONS: z.coerce.number().int().min(0).default(0),
  /** The governance hub's default space (Snapshot space id), created on start with the receipts and token strategies. */
  SNAPSHOT_SPACE: z.string().trim().min(1).max(64).default('caravan.eth'),
  /**
   * Chats the space's proposals are posted to, with their vote controls and results chart:
   * `discord:<channel id>,telegram:<chat id>,web:<chat id>` (default: none).
   */
  GOVERNANCE_CHANNELS: z
    .string()
    .trim()
    .default('')
    .transform((v, ctx) => {
      try {
        return parseGovernanceChannels(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof ConfigError ? err.shortMessage : String(err) });
        return z.NEVER;
      }
    }),
  /** At most one edit of a proposal's post per this interval: votes in between are shown together. */
  GOVERNANCE_POST_EDIT_INTERVAL: duration.prefault('10s'),
  /** How often every proposal not yet posted, post that changed and vote that ended is looked for (after a missed job or a restart). */
  GOVERNANCE_SWEEP_INTERVAL: duration.prefault('5s'),
  /** A link for each post, with {space} and {id}: e.g. a Snapshot UI pointed at this hub (default: the proposal's discussion link). */
  GOVERNANCE_PROPOSAL_URL: z
    .string()
    .trim()
    .regex(/^https?:\/\/\S+$/, 'expected a URL template starting with http:// or https://, with {space} and {id}')
    .optional(),

  /**
   * The Foundation's address (its multisig): proposer in the FOUNDATION phase, guardian in TRANSITION, vesting
   * beneficiary. Required in production; the dev stack generates a key of its own under CARAVAN_HOME.
   */
  FOUNDATION_ADDRESS: z
    .string()
    .trim()
    .regex(/^0x[0-9a-fA-F]{40}$/, 'expected an address: 0x and 40 hex characters')
    .optional(),
  // Governance settings the contracts are deployed with (`caravan deploy`, or the dev stack's first start):
  // required in production; unset elsewhere they take the dev defaults of `defaultGovernanceConfig`.
  /** Blocks between a proposal and the start of its vote (dev: 1). */
  GOV_VOTING_DELAY: z.coerce.number().int().min(0).max(2 ** 48 - 1).optional(),
  /** Blocks a vote lasts (dev: 20). */
  GOV_VOTING_PERIOD: z.coerce.number().int().min(1).max(2 ** 32 - 1).optional(),
  /** Votes needed to make a proposal, in whole CVN, decimals allowed (dev: 0). */
  GOV_PROPOSAL_THRESHOLD: z
    .string()
    .trim()
    .regex(/^\d+(\.\d{1,18})?$/, 'expected an amount of CVN like 1000 or 0.5')
    .optional(),
  /** Quorum, percent of all voting power (dev: 4). At most min(receipts' share, tokens' share) of the vote. */
  GOV_QUORUM_PERCENT: z.coerce.number().int().min(0).max(100).optional(),
  /** Time a passed proposal waits in the timelock, like 2d or 48h (dev: 1h). */
  GOV_TIMELOCK_DELAY: duration.optional(),
  /** The share of all voting power receipts carry together, in basis points (default 3000: 30 %). */
  GOV_RECEIPT_VOTE_BPS: z.coerce.number().int().min(1).max(9_999).default(3_000),

  /** AES-256 master key that wraps every dataset key and custodial key. */
  MASTER_KEY: hex32.optional(),

  TELEGRAM_BOT_TOKEN: optionalString,
  TELEGRAM_API_ROOT: url(['http:', 'https:']).default('https://api.telegram.org'),
  /** Webhook mode: the public https URL Telegram posts updates to (served by this API). Long polling when unset. */
  TELEGRAM_WEBHOOK_URL: url(['https:', 'http:']).optional(),
  /** Secret Telegram sends with each webhook update (default: derived from the master key). */
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{16,256}$/, 'expected 16–256 characters of A–Z, a–z, 0–9, _ and -')
    .optional(),
  DISCORD_TOKEN: optionalString,
  DISCORD_API_ROOT: url(['http:', 'https:']).optional(),
  /** Set to 0 to keep the local web chat page off even without bot tokens. */
  WEB_CHAT: z.enum(['0', '1']).default('1'),

  /** Run the ML engine (fine-tuning and serving assistants) in this process. */
  ENGINE: z.enum(['0', '1']).default('1'),
  /** Base model checkpoint (default: the one shipped in engine/checkpoints). */
  ENGINE_BASE_CHECKPOINT: optionalString,
  /** Bounds on fine-tune steps (default: the engine's schedule). */
  ENGINE_FINETUNE_MIN_STEPS: positiveInt.optional(),
  ENGINE_FINETUNE_MAX_STEPS: positiveInt.optional(),
  /** Worker threads for serving and for data-parallel training (default: one per core). */
  ENGINE_SERVE_WORKERS: positiveInt.optional(),
  ENGINE_TRAIN_WORKERS: positiveInt.optional(),
  /** Save a resumable fine-tune checkpoint every N steps (default: the engine's). */
  ENGINE_CHECKPOINT_EVERY: positiveInt.optional(),
  /** How long a fine-tune job's lock lasts; a killed worker's job is taken over after it. */
  FINETUNE_LOCK_MS: positiveInt.default(120_000),

  /** Approvals by validators that accept a dataset. */
  REVIEW_QUORUM: z.coerce.number().int().min(1).max(10).default(2),
  /** How long an offered review may wait before it is offered to other validators. */
  REVIEW_TIMEOUT: duration.prefault('24h'),
  /** Share of a dataset asset each approving validator's reviewer receipt holds (basis points). */
  REVIEWER_SHARE_BPS: z.coerce.number().int().min(0).max(2000).default(100),

  /** Per-user fair use (counted in Redis, shared by every process). */
  UPLOADS_PER_DAY: positiveInt.default(20),
  FINETUNES_PER_DAY: positiveInt.default(5),
  CHAT_MESSAGES_PER_MINUTE: positiveInt.default(20),
  /** REST API requests per window per API key, and per client address (counted in Redis, shared by every API process). */
  API_RATE_LIMIT_KEY: positiveInt.default(120),
  API_RATE_LIMIT_IP: positiveInt.default(300),
  /** The window those limits count in (default one minute). */
  API_RATE_LIMIT_WINDOW: duration.prefault('1m'),
  /** Longest passage an assistant's answer quotes from its data (characters). */
  CITATION_MAX_CHARS: z.coerce.number().int().min(40).max(2000).default(200),

  /**
   * ERC-20 tokens licenses are priced and paid in, besides ETH (production). JSON
   * `[{"symbol":"USDC","address":"0x…","decimals":6}]`; the first is the currency new prices are set in.
   * The dev chain uses its test stablecoin.
   */
  PAYMENT_TOKENS: optionalString,
  /** Length of a period or API license, in days. */
  LICENSE_PERIOD_DAYS: positiveInt.default(30),
  /** Calls per period an API license allows. */
  API_LICENSE_QUOTA: positiveInt.default(1000),
  /** Questions a new user may ask a priced assistant before buying a license. */
  FREE_QUESTIONS: z.coerce.number().int().min(0).max(1000).default(3),
  /** Times a day the platform pays gas for one user's custodial transactions. */
  GAS_TOPUPS_PER_DAY: z.coerce.number().int().min(0).default(10),
  /** Earnings of one person within this window go out as one digest message. */
  EARNINGS_DIGEST_WINDOW: duration.prefault('1m'),
  /** How often the indexer looks for new blocks. */
  INDEXER_INTERVAL: duration.prefault('2s'),
  /**
   * Messages a second the notify worker sends per transport, shared by all worker processes
   * (Telegram allows about 30 a bot; Discord 50 requests, and a DM is two). The default leaves
   * room for the bots' own replies on the same token.
   */
  NOTIFY_RATE: ratePerTransport.prefault('telegram:25,discord:20'),
  /** Webhooks may point at loopback and private networks (default: yes, except with NODE_ENV=production). */
  WEBHOOK_ALLOW_PRIVATE_HOSTS: z.enum(['0', '1']).optional(),
  /** Wait before a webhook delivery's first retry; each further one doubles (at most an hour). */
  WEBHOOK_RETRY_BASE: duration.prefault('10s'),
  /** Attempts before a webhook delivery is given up. */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
  /** How often pending webhook deliveries whose job was lost (or that were recorded by the indexer) are queued. */
  WEBHOOK_SWEEP_INTERVAL: duration.prefault('5s'),

  UPLOAD_MAX_BYTES: positiveInt.default(10 * 1024 * 1024),
  UPLOAD_MAX_ROWS: positiveInt.default(200_000),
  UPLOAD_MAX_LINE_BYTES: positiveInt.default(64 * 1024),
  UPLOAD_MAX_COLUMNS: positiveInt.default(256),
});

export type Env = z.infer<typeof envSchema>;
