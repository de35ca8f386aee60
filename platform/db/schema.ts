import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  customType,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const platformKind = pgEnum('platform_kind', ['telegram', 'discord', 'web']);
export const datasetFormat = pgEnum('dataset_format', ['csv', 'jsonl', 'txt', 'md']);
export const datasetStatus = pgEnum('dataset_status', ['pending_review', 'approved', 'rejected']);
export const assetKind = pgEnum('asset_kind', ['dataset', 'model', 'assistant']);
export const uploadStatus = pgEnum('upload_status', ['queued', 'processing', 'accepted', 'duplicate', 'rejected', 'failed']);
export const keyKind = pgEnum('key_kind', ['custodial', 'alias']);
/** Who may build assistants on a dataset: everyone (it earns royalties through lineage) or only its owner. */
export const datasetAccess = pgEnum('dataset_access', ['private', 'open']);
/** Why someone holds a receipt: they contributed the data, reviewed it, or created the assistant. */
export const receiptRole = pgEnum('receipt_role', ['contributor', 'reviewer', 'creator']);

/** A person, however many chat accounts they use. */
export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  displayName: text('display_name'),
  /** Address receipts go to when no wallet is linked: derived for the user, key in `keys`. */
  custodialAddress: text('custodial_address').notNull(),
  /** A wallet the user proved they own (SIWE); preferred over the custodial address. */
  walletAddress: text('wallet_address'),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('users_wallet_address').on(t.walletAddress)]);

/** One chat account (Telegram user id, Discord user id, web chat session) of a user. */
export const identities = pgTable(
  'identities',
  {
    id: serial('id').primaryKey(),
    platform: platformKind('platform').notNull(),
    externalId: text('external_id').notNull(),
    userId: integer('user_id').notNull().references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('identities_platform_external').on(t.platform, t.externalId)],
);

/** Private keys held for users, encrypted with the master key (AES-256-GCM). */
export const keys = pgTable(
  'keys',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id').notNull().references(() => users.id),
    kind: keyKind('kind').notNull(),
    address: text('address').notNull(),
    ciphertext: bytea('ciphertext').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('keys_user_kind').on(t.userId, t.kind), uniqueIndex('keys_address').on(t.address)],
);

/** A file someone sent; tracks it from arrival to a dataset or a rejection. */
export const uploads = pgTable(
  'uploads',
  {
    id: uuid('id').primaryKey(),
    userId: integer('user_id').notNull().references(() => users.id),
    fileName: text('file_name').notNull(),
    declaredBytes: bigint('declared_bytes', { mode: 'number' }),
    /** Where the bytes are: a Telegram file id, or a staged local file. */
    source: jsonb('source').notNull(),
    /** The chat message that shows this upload's progress (null: uploaded over the API, no chat to tell). */
    replyTarget: jsonb('reply_target'),
    status: uploadStatus('status').notNull().default('queued'),
    error: text('error'),
    /** The contributor's choice of who may build on the data (null: not chosen yet, private until then). */
    access: datasetAccess('access'),
    datasetId: integer('dataset_id').references(() => datasets.id),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('uploads_user').on(t.userId)],
);

/** A validated, encrypted, stored dataset. */
export const datasets = pgTable(
  'datasets',
  {
    id: serial('id').primaryKey(),
    /** The id people see (`ds_…`): random, so private datasets cannot be found by counting. */
    publicId: text('public_id').notNull(),
    ownerId: integer('owner_id').notNull().references(() => users.id),
    name: text('name').notNull(),
    format: datasetFormat('format').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    rows: integer('rows').notNull(),
    columns: jsonb('columns').$type<string[] | null>(),
    /** sha256 of the plaintext, hex without 0x. */
    sha256: text('sha256').notNull(),
    storageKey: text('storage_key').notNull(),
    /** Per-dataset AES-256 key, wrapped by the master key. */
    wrappedKey: bytea('wrapped_key').notNull(),
    status: datasetStatus('status').notNull().default('pending_review'),
    access: datasetAccess('access').notNull().default('private'),
    /** What validators see: schema summary and automatic findings (see inspectDataset). */
    inspection: jsonb('inspection'),
    /** MinHash signature of the rows, to find near-duplicates of later uploads. */
    minhash: bytea('minhash'),
    /** Why the dataset was rejected, as the contributor is told. */
    rejectionReason: text('rejection_reason'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('datasets_sha256').on(t.sha256),
    uniqueIndex('datasets_public_id').on(t.publicId),
    index('datasets_owner').on(t.ownerId),
  ],
);

/** A decision on a dataset: a validator's vote, or the automatic approval when no validators are appointed. */
export const reviews = pgTable(
  'reviews',
  {
    id: serial('id').primaryKey(),
    datasetId: integer('dataset_id').notNull().references(() => datasets.id),
    /** `auto`, or `validator` for a vote of `reviewerUserId`. */
    reviewer: text('reviewer').notNull(),
    reviewerUserId: integer('reviewer_user_id').references(() => users.id),
    decision: datasetStatus('decision').notNull(),
    reason: text('reason'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('reviews_dataset_reviewer').on(t.datasetId, t.reviewerUserId)],
);

/** People appointed to review uploads (by the operator CLI, later by governance). */
export const validators = pgTable('validators', {
  userId: integer('user_id').primaryKey().references(() => users.id),
  addedBy: text('added_by').notNull(),
  createdAt: createdAt(),
});

/** A dataset offered to a validator for review; a review not done in time is offered to others. */
export const reviewOffers = pgTable(
  'review_offers',
  {
    id: serial('id').primaryKey(),
    datasetId: integer('dataset_id').notNull().references(() => datasets.id),
    validatorUserId: integer('validator_user_id').notNull().references(() => users.id),
    round: integer('round').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('review_offers_dataset_validator').on(t.datasetId, t.validatorUserId)],
);

/** An asset registered on-chain (datasets now; models and assistants later). */
export const assets = pgTable(
  'assets',
  {
    id: serial('id').primaryKey(),
    kind: assetKind('kind').notNull(),
    datasetId: integer('dataset_id').references(() => datasets.id),
    assistantId: integer('assistant_id').references((): AnyPgColumn => assistants.id),
    contentHash: text('content_hash').notNull(),
    chainAssetId: numeric('chain_asset_id', { mode: 'bigint' }).notNull(),
    txHash: text('tx_hash').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('assets_content_hash').on(t.contentHash),
    uniqueIndex('assets_dataset').on(t.datasetId),
    uniqueIndex('assets_assistant').on(t.assistantId),
  ],
);

/** A non-transferable receipt minted on-chain. */
export const receipts = pgTable(
  'receipts',
  {
    id: serial('id').primaryKey(),
    assetId: integer('asset_id').notNull().references(() => assets.id),
    userId: integer('user_id').notNull().references(() => users.id),
    holderAddress: text('holder_address').notNull(),
    role: receiptRole('role').notNull().default('contributor'),
    shares: numeric('shares', { mode: 'bigint' }).notNull(),
    chainReceiptId: numeric('chain_receipt_id', { mode: 'bigint' }).notNull(),
    txHash: text('tx_hash').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('receipts_chain_id').on(t.chainReceiptId),
    uniqueIndex('receipts_asset_user_role').on(t.assetId, t.userId, t.role),
    index('receipts_user').on(t.userId),
  ],
);

/** One signed version of a stored transaction: the first one, or a replacement at the same nonce. */
export type ChainTxVersion = {
  hash: string;
  raw: string;
  /** `call`: what was asked for; `cancel`: a 0-value self-transfer that only uses up the nonce. */
  kind: 'call' | 'cancel';
  /** When it was signed (ISO 8601). */
  signedAt: string;
};

/**
 * Write-ahead log of the platform's transactions: each is signed and stored under an
 * idempotency key before it is broadcast, so a retry re-sends the same transaction. A stuck one
 * is re-signed at the same nonce with higher fees (or cancelled); `hash`/`raw` is the latest
 * version (the mined one once final), `history` every version ever signed, since any may be mined.
 */
export const chainTxs = pgTable(
  'chain_txs',
  {
    id: serial('id').primaryKey(),
    key: text('key').notNull(),
    chainId: integer('chain_id').notNull(),
    fromAddress: text('from_address').notNull(),
    nonce: integer('nonce').notNull(),
    hash: text('hash').notNull(),
    raw: text('raw').notNull(),
    /** `cancelled`: a cancel took its nonce; `dropped`: its nonce was used by a transaction not in `history`. */
    status: text('status').$type<'sent' | 'mined' | 'reverted' | 'cancelled' | 'dropped'>().notNull().default('sent'),
    blockNumber: bigint('block_number', { mode: 'bigint' }),
    /** Every version signed for this key, oldest first (empty on rows older than replacements: then just `hash`). */
    history: jsonb('history').$type<ChainTxVersion[]>().notNull().default([]),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('chain_txs_key').on(t.chainId, t.key),
    uniqueIndex('chain_txs_nonce').on(t.chainId, t.fromAddress, t.nonce),
  ],
);

/** Contract addresses per chain, deployed once. */
export const deployments = pgTable('deployments', {
  chainId: integer('chain_id').primaryKey(),
  addresses: jsonb('addresses').$type<Record<string, string>>().notNull(),
  blockNumber: bigint('block_number', { mode: 'bigint' }).notNull(),
  createdAt: createdAt(),
});

/** Every message the platform sends on its own initiative, delivered exactly once. */
export const notifications = pgTable(
  'notifications',
  {
    id: serial('id').primaryKey(),
    key: text('key').notNull(),
    target: jsonb('target').notNull(),
    text: text('text').notNull(),
    /** A picture sent with the text (loss plots, vote charts). */
    imagePng: bytea('image_png'),
    imageName: text('image_name'),
    /** Buttons, selects or a form sent with the text (see platform/chat/reply.ts). */
    controls: jsonb('controls'),
    /** `inbox`: the transport refused it for good (DMs closed, bot blocked); it waits in the user's web inbox. */
    status: text('status').$type<'pending' | 'sending' | 'sent' | 'inbox'>().notNull().default('pending'),
    /** The user it is for, when it is personal (earnings), so the web inbox can list it. */
    userId: integer('user_id').references(() => users.id),
    attempts: integer('attempts').notNull().default(0),
    /** When a sender claimed it; a claim older than the lease is taken over (the sender died). */
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    error: text('error'),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('notifications_key').on(t.key)],
);

/** Messages of the local web chat page (both sides); bot edits update the row. */
export const webMessages = pgTable(
  'web_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    chatId: text('chat_id').notNull(),
    fromBot: integer('from_bot').notNull(),
    text: text('text').notNull(),
    /** A picture sent with the message (loss plots), served at /chat/api/images/:id. */
    imagePng: bytea('image_png'),
    /** Buttons, selects or a form the page renders under the text. */
    controls: jsonb('controls'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().default(sql`clock_timestamp()`),
  },
  (t) => [index('web_messages_chat').on(t.chatId, t.id)],
);

export const assistantVisibility = pgEnum('assistant_visibility', ['private', 'unlisted', 'public']);
export const assistantStatus = pgEnum('assistant_status', ['training', 'ready', 'failed']);

/** An AI assistant built by chat: its card, its knowledge datasets, and its fine-tuned model. */
export const assistants = pgTable(
  'assistants',
  {
    id: serial('id').primaryKey(),
    /** The id people see (`as_…`): random, so private and unlisted assistants cannot be found by counting. */
    publicId: text('public_id').notNull(),
    ownerId: integer('owner_id').notNull().references(() => users.id),
    name: text('name').notNull(),
    tagline: text('tagline'),
    instructions: text('instructions').notNull(),
    greeting: text('greeting'),
    starters: jsonb('starters').$type<string[]>().notNull().default([]),
    visibility: assistantVisibility('visibility').notNull(),
    status: assistantStatus('status').notNull().default('training'),
    /** Loss after each training step of the last fine-tune (written as it trains, see recordFinetuneProgress). */
    losses: jsonb('losses').$type<number[]>(),
    /**
     * Loss per byte on rows kept out of training, with the base weights and after the fine-tune
     * (null: fewer than 10 rows, all trained on).
     */
    heldOutLoss: jsonb('held_out_loss').$type<{ before: number; after: number; rows: number }>(),
    /** When a worker began the fine-tune (null: still queued). */
    finetuneStartedAt: timestamp('finetune_started_at', { withTimezone: true }),
    /** Steps done and planned, as last recorded while training (null before the first step). */
    finetuneStep: integer('finetune_step'),
    finetuneTotalSteps: integer('finetune_total_steps'),
    /** When progress was last recorded. */
    finetuneProgressAt: timestamp('finetune_progress_at', { withTimezone: true }),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('assistants_owner').on(t.ownerId), uniqueIndex('assistants_public_id').on(t.publicId)],
);

/** The datasets an assistant is trained on (its lineage: TRAINED_ON). */
export const assistantDatasets = pgTable(
  'assistant_datasets',
  {
    assistantId: integer('assistant_id').notNull().references(() => assistants.id),
    datasetId: integer('dataset_id').notNull().references(() => datasets.id),
  },
  (t) => [uniqueIndex('assistant_datasets_pk').on(t.assistantId, t.datasetId)],
);

/** Per-chat conversation state (the wizard a person is in, the assistant they talk to), restart-safe. */
export const chatSessions = pgTable('chat_sessions', {
  /** `<transport>:<chatId>:<userExternalId>` */
  key: text('key').primaryKey(),
  state: jsonb('state').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Buttons, selects and forms the bots sent: a press carries only this row's id, so what it does
 * (action and data), whose it is and until when it works survive restarts.
 */
export const chatComponents = pgTable(
  'chat_components',
  {
    id: text('id').primaryKey(),
    action: text('action').notNull(),
    data: jsonb('data').notNull(),
    /** Only this user may use it (null: anyone the action itself authorises). */
    ownerUserId: integer('owner_user_id').references(() => users.id),
    /** Acts once: a second press is answered "already done". */
    once: integer('once').notNull().default(0),
    usedAt: timestamp('used_at', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('chat_components_expires').on(t.expiresAt)],
);

// ---------------------------------------------------------------- money: licenses, indexer, earnings

export const licenseKind = pgEnum('license_kind', ['period', 'perpetual', 'api']);
/** How a user wants to hear about earnings: each one, a digest per window, or not at all. */
export const notifyPreference = pgEnum('notify_preference', ['on', 'digest', 'off']);

/** Per-user money settings (created on first use). */
export const userSettings = pgTable('user_settings', {
  userId: integer('user_id').primaryKey().references(() => users.id),
  notify: notifyPreference('notify').notNull().default('digest'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * License terms offered for an assistant, mirrored from `Licenses.TermsCreated`/`TermsPriceUpdated`.
 * A row is written before the terms exist on-chain (`chainTermsId` null) so a crashed job resumes.
 */
export const licenseTerms = pgTable(
  'license_terms',
  {
    id: serial('id').primaryKey(),
    assistantId: integer('assistant_id').notNull().references(() => assistants.id),
    kind: licenseKind('kind').notNull(),
    /** ERC-20 address, or the zero address for ETH. */
    currency: text('currency').notNull(),
    /** Price in the currency's smallest unit. */
    price: numeric('price', { mode: 'bigint' }).notNull(),
    durationSeconds: integer('duration_seconds').notNull(),
    quota: integer('quota').notNull().default(0),
    chainTermsId: numeric('chain_terms_id', { mode: 'bigint' }),
    retired: integer('retired').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('license_terms_assistant_kind').on(t.assistantId, t.kind).where(sql`retired = 0`),
    uniqueIndex('license_terms_chain').on(t.chainTermsId),
  ],
);

/** A license sold on-chain (`LicensePurchased`), with its expiry as the chain last said. */
export const licenses = pgTable(
  'licenses',
  {
    id: serial('id').primaryKey(),
    chainLicenseId: numeric('chain_license_id', { mode: 'bigint' }).notNull(),
    chainTermsId: numeric('chain_terms_id', { mode: 'bigint' }).notNull(),
    assistantId: integer('assistant_id').notNull().references(() => assistants.id),
    /** The user it was bought for (null: an address no user owns). */
    userId: integer('user_id').references(() => users.id),
    holderAddress: text('holder_address').notNull(),
    kind: licenseKind('kind').notNull(),
    currency: text('currency').notNull(),
    pricePaid: numeric('price_paid', { mode: 'bigint' }).notNull(),
    /** Null for perpetual licenses. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    quota: integer('quota').notNull().default(0),
    callsUsed: integer('calls_used').notNull().default(0),
    txHash: text('tx_hash').notNull(),
    reminderSentAt: timestamp('reminder_sent_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('licenses_chain_id').on(t.chainLicenseId),
    index('licenses_user_assistant').on(t.userId, t.assistantId),
  ],
);

/** Questions a user asked a priced assistant without a license (the free trial). */
export const assistantTrials = pgTable(
  'assistant_trials',
  {
    userId: integer('user_id').notNull().references(() => users.id),
    assistantId: integer('assistant_id').notNull().references(() => assistants.id),
    used: integer('used').notNull().default(0),
  },
  (t) => [uniqueIndex('assistant_trials_pk').on(t.userId, t.assistantId)],
);

/** How far the indexer got on each chain: the last block it recorded, and that block's hash. */
export const chainCursor = pgTable('chain_cursor', {
  chainId: integer('chain_id').primaryKey(),
  blockNumber: bigint('block_number', { mode: 'bigint' }).notNull(),
  blockHash: text('block_hash').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Hashes of the blocks the indexer recorded events from (the recent ones), to find the fork after a reorg. */
export const chainBlocks = pgTable(
  'chain_blocks',
  {
    chainId: integer('chain_id').notNull(),
    blockNumber: bigint('block_number', { mode: 'bigint' }).notNull(),
    blockHash: text('block_hash').notNull(),
  },
  (t) => [uniqueIndex('chain_blocks_pk').on(t.chainId, t.blockNumber)],
);

/** Every event of Caravan's contracts the indexer recorded, decoded; rows past a fork are deleted. */
export const chainEvents = pgTable(
  'chain_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    chainId: integer('chain_id').notNull(),
    blockNumber: bigint('block_number', { mode: 'bigint' }).notNull(),
    blockHash: text('block_hash').notNull(),
    txHash: text('tx_hash').notNull(),
    logIndex: integer('log_index').notNull(),
    contract: text('contract').notNull(),
    name: text('name').notNull(),
    /** Decoded arguments; bigints as decimal strings. */
    args: jsonb('args').$type<Record<string, string | number | boolean>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('chain_events_log').on(t.chainId, t.blockHash, t.logIndex),
    index('chain_events_block').on(t.chainId, t.blockNumber),
    index('chain_events_name').on(t.chainId, t.name),
  ],
);

/** Who holds each receipt and with how many shares, as the indexed events say (rebuilt after a reorg). */
export const chainReceiptHolders = pgTable(
  'chain_receipt_holders',
  {
    chainId: integer('chain_id').notNull(),
    receiptId: numeric('receipt_id', { mode: 'bigint' }).notNull(),
    assetId: numeric('asset_id', { mode: 'bigint' }).notNull(),
    holder: text('holder').notNull(),
    shares: numeric('shares', { mode: 'bigint' }).notNull(),
  },
  (t) => [
    uniqueIndex('chain_receipt_holders_pk').on(t.chainId, t.receiptId),
    index('chain_receipt_holders_asset').on(t.chainId, t.assetId),
  ],
);

/**
 * What one holder earned from one `RevenueCredited` event: `scaled` is shares × Δ accPerShare (1e18 scale),
 * exactly what the pool added to the holder's account; `amount` is how much that raised their claimable
 * balance (whole units), so the amounts of a holder sum to what they claimed plus what they can claim.
 */
export const earnings = pgTable(
  'earnings',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: bigint('event_id', { mode: 'number' })
      .notNull()
      .references(() => chainEvents.id, { onDelete: 'cascade' }),
    chainId: integer('chain_id').notNull(),
    blockNumber: bigint('block_number', { mode: 'bigint' }).notNull(),
    txHash: text('tx_hash').notNull(),
    logIndex: integer('log_index').notNull(),
    assetId: numeric('asset_id', { mode: 'bigint' }).notNull(),
    token: text('token').notNull(),
    holder: text('holder').notNull(),
    scaled: numeric('scaled', { mode: 'bigint' }).notNull(),
    amount: numeric('amount', { mode: 'bigint' }).notNull(),
    /** Why the asset was paid: `license` (bought or renewed), `royalty` (a child asset was paid) or `deposit`. */
    cause: text('cause').notNull(),
    /** Set when the notification for it was queued (or skipped by preference). */
    notifiedAt: timestamp('notified_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('earnings_key').on(t.chainId, t.txHash, t.logIndex, t.holder),
    index('earnings_holder').on(t.chainId, t.holder),
    index('earnings_pending').on(t.notifiedAt),
  ],
);

/**
 * One-time links to pages served by the API (wallet link, wallet transactions, dashboard): only the
 * hash of the token is stored; the page works until `expiresAt`, and once-only links until used.
 */
export const linkTokens = pgTable(
  'link_tokens',
  {
    id: serial('id').primaryKey(),
    tokenHash: text('token_hash').notNull(),
    userId: integer('user_id').notNull().references(() => users.id),
    purpose: text('purpose').notNull(),
    payload: jsonb('payload').notNull().default({}),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('link_tokens_hash').on(t.tokenHash)],
);

/** Sign-In with Ethereum: a nonce the server issued, and the wallet link it proved (once). */
export const walletLinks = pgTable(
  'wallet_links',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id').notNull().references(() => users.id),
    nonce: text('nonce').notNull(),
    address: text('address'),
    message: text('message'),
    signature: text('signature'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    linkedAt: timestamp('linked_at', { withTimezone: true }),
    unlinkedAt: timestamp('unlinked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('wallet_links_nonce').on(t.nonce), index('wallet_links_user').on(t.userId)],
);

/**
 * What an API key may do: `personal` acts as its owner (their datasets, assistants, licenses);
 * `license` is bound to one on-chain API license and may only call the licensed assistant.
 */
export const apiKeyKind = pgEnum('api_key_kind', ['personal', 'license']);

/** API keys: shown once, stored only as a SHA-256 hash of the whole token. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: serial('id').primaryKey(),
    publicId: text('public_id').notNull(),
    userId: integer('user_id').notNull().references(() => users.id),
    kind: apiKeyKind('kind').notNull(),
    /** The API license a `license` key is bound to. */
    licenseId: integer('license_id').references(() => licenses.id),
    name: text('name').notNull(),
    /** The token's first characters (`cvn_…`), so people can tell their keys apart. */
    prefix: text('prefix').notNull(),
    tokenHash: text('token_hash').notNull(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('api_keys_token_hash').on(t.tokenHash), uniqueIndex('api_keys_public_id').on(t.publicId), index('api_keys_user').on(t.userId)],
);

/** Calls made under an API license in one of its periods (periods end at the expiry, counted back by the duration). */
export const apiLicenseUsage = pgTable(
  'api_license_usage',
  {
    licenseId: integer('license_id').notNull().references(() => licenses.id),
    periodEnd: timestamp('period_end', { withTimezone: true }).notNull(),
    calls: integer('calls').notNull().default(0),
  },
  (t) => [uniqueIndex('api_license_usage_pk').on(t.licenseId, t.periodEnd)],
);

/** A developer's webhook: events of theirs are POSTed to `url`, signed with the secret. */
export const webhooks = pgTable(
  'webhooks',
  {
    id: serial('id').primaryKey(),
    publicId: text('public_id').notNull(),
    userId: integer('user_id').notNull().references(() => users.id),
    url: text('url').notNull(),
    events: text('events').array().notNull(),
    /** The signing secret, sealed with the master key. */
    secretSealed: bytea('secret_sealed').notNull(),
    createdAt: createdAt(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('webhooks_public_id').on(t.publicId), index('webhooks_user').on(t.userId)],
);

/** One event for one webhook: delivered exactly once (unique per webhook and event id), retried with backoff. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: serial('id').primaryKey(),
    webhookId: integer('webhook_id').notNull().references(() => webhooks.id),
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    payload: jsonb('payload').notNull(),
    status: text('status').$type<'pending' | 'delivered' | 'failed'>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    /** When a sender claimed it; a claim older than the lease is taken over. */
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('webhook_deliveries_event').on(t.webhookId, t.eventId), index('webhook_deliveries_due').on(t.status, t.nextAttemptAt)],
);

/*
 * The governance hub (governance/hub): Snapshot's sequencer and hub tables, with its field names.
 * Ids are Snapshot's: a message's id is the hex EIP-712 hash of what was signed; addresses are
 * checksummed; times are unix seconds, as Snapshot's `created`, `start` and `end`.
 */

/** Every accepted message, in order (`mci`), as the sequencer stores them. */
export const hubMessages = pgTable(
  'hub_messages',
  {
    mci: bigserial('mci', { mode: 'number' }).primaryKey(),
    id: text('id').notNull(),
    ipfs: text('ipfs').notNull(),
    address: text('address').notNull(),
    version: text('version').notNull(),
    timestamp: bigint('timestamp', { mode: 'number' }).notNull(),
    space: text('space'),
    type: text('type').notNull(),
    sig: text('sig').notNull(),
    receipt: text('receipt').notNull(),
  },
  (t) => [uniqueIndex('hub_messages_id').on(t.id), index('hub_messages_space_type').on(t.space, t.type)],
);

/** Spaces: their settings (Snapshot's space schema), set by the controller or admins. */
export const hubSpaces = pgTable('hub_spaces', {
  id: text('id').primaryKey(),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull(),
  controller: text('controller').notNull(),
  created: bigint('created', { mode: 'number' }).notNull(),
  updated: bigint('updated', { mode: 'number' }).notNull(),
  deleted: integer('deleted').notNull().default(0),
});

/** Proposals, with Snapshot's fields; `scores*` are written by the tally. */
export const hubProposals = pgTable(
  'hub_proposals',
  {
    id: text('id').primaryKey(),
    ipfs: text('ipfs').notNull(),
    author: text('author').notNull(),
    created: bigint('created', { mode: 'number' }).notNull(),
    updated: bigint('updated', { mode: 'number' }),
    space: text('space').notNull(),
    network: text('network').notNull(),
    symbol: text('symbol').notNull(),
    type: text('type').notNull(),
    strategies: jsonb('strategies').$type<unknown[]>().notNull(),
    validation: jsonb('validation').$type<Record<string, unknown>>(),
    plugins: jsonb('plugins').$type<Record<string, unknown>>().notNull().default({}),
    title: text('title').notNull(),
    body: text('body').notNull(),
    discussion: text('discussion').notNull().default(''),
    choices: jsonb('choices').$type<string[]>().notNull(),
    labels: jsonb('labels').$type<string[]>().notNull().default([]),
    start: bigint('start', { mode: 'number' }).notNull(),
    end: bigint('end', { mode: 'number' }).notNull(),
    quorum: numeric('quorum').notNull().default('0'),
    privacy: text('privacy').notNull().default(''),
    snapshot: bigint('snapshot', { mode: 'number' }).notNull(),
    app: text('app').notNull().default(''),
    scores: jsonb('scores').$type<number[]>().notNull().default([]),
    scoresByStrategy: jsonb('scores_by_strategy').$type<number[][]>().notNull().default([]),
    scoresTotal: numeric('scores_total').notNull().default('0'),
    scoresState: text('scores_state').notNull().default('pending'),
    scoresUpdated: bigint('scores_updated', { mode: 'number' }).notNull().default(0),
    votes: integer('votes').notNull().default(0),
    deleted: integer('deleted').notNull().default(0),
  },
  (t) => [index('hub_proposals_space').on(t.space, t.created)],
);

/** Votes: the latest per (proposal, voter) is the one that counts (re-votes replace it). */
export const hubVotes = pgTable(
  'hub_votes',
  {
    id: text('id').primaryKey(),
    ipfs: text('ipfs').notNull(),
    voter: text('voter').notNull(),
    created: bigint('created', { mode: 'number' }).notNull(),
    space: text('space').notNull(),
    proposal: text('proposal').notNull(),
    choice: jsonb('choice').notNull(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    reason: text('reason').notNull().default(''),
    app: text('app').notNull().default(''),
    /** Voting power at the proposal's snapshot, exact (wei-scale integer as text) and as Snapshot's number. */
    vpExact: numeric('vp_exact').notNull(),
    vp: numeric('vp').notNull(),
    vpByStrategy: jsonb('vp_by_strategy').$type<number[]>().notNull(),
    vpState: text('vp_state').notNull().default('final'),
  },
  (t) => [uniqueIndex('hub_votes_proposal_voter').on(t.proposal, t.voter), index('hub_votes_space').on(t.space)],
);

/** Aliases: `alias` may sign some messages for `address` until `created` + 30 days, unless revoked. */
export const hubAliases = pgTable(
  'hub_aliases',
  {
    id: text('id').primaryKey(),
    ipfs: text('ipfs').notNull(),
    address: text('address').notNull(),
    alias: text('alias').notNull(),
    created: bigint('created', { mode: 'number' }).notNull(),
    /** Beyond Snapshot: revoked at once by `/alias revoke`. */
    revokedAt: bigint('revoked_at', { mode: 'number' }),
  },
  (t) => [index('hub_aliases_alias').on(t.alias), index('hub_aliases_address').on(t.address)],
);

export const hubFollows = pgTable(
  'hub_follows',
  {
    id: text('id').primaryKey(),
    ipfs: text('ipfs').notNull(),
    follower: text('follower').notNull(),
    space: text('space').notNull(),
    network: text('network').notNull().default('s'),
    created: bigint('created', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('hub_follows_follower_space').on(t.follower, t.space)],
);

/** Voting power per proposal and voter, exact, computed once at the proposal's snapshot block. */
export const hubVpCache = pgTable(
  'hub_vp_cache',
  {
    proposal: text('proposal').notNull(),
    voter: text('voter').notNull(),
    vpExact: numeric('vp_exact').notNull(),
    vpByStrategy: jsonb('vp_by_strategy').$type<string[]>().notNull(),
    created: bigint('created', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('hub_vp_cache_pk').on(t.proposal, t.voter)],
);

/**
 * Proposals posted to the governance channels (GOVERNANCE_CHANNELS): one row per proposal and
 * channel, written before the post is sent so each is sent once (a claim, as notifications have),
 * with the message id to edit, the standing last shown, and whether the final result went out.
 */
export const governancePosts = pgTable(
  'governance_posts',
  {
    proposal: text('proposal').notNull(),
    /** The channel as configured: `discord:<channel id>`, `telegram:<chat id>`, `web:<chat id>`. */
    channel: text('channel').notNull(),
    /** pending → sending (claimed) → posted; `lost`: a sender died mid-send where a repeat could show twice. */
    status: text('status').notNull().default('pending'),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    messageId: text('message_id'),
    /** The vote controls on the post (their component ids stay the same across edits). */
    rows: jsonb('rows').$type<unknown[]>(),
    /** What the post shows now (votes, scores, state), to skip an edit that changes nothing. */
    shown: text('shown'),
    /** When the post was last edited: edits are at most one per GOVERNANCE_POST_EDIT_INTERVAL. */
    editedAt: timestamp('edited_at', { withTimezone: true }),
    /** When the post was edited to its final state and the result posted. */
    closedAt: timestamp('closed_at', { withTimezone: true }),
    error: text('error'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.proposal, t.channel] }), index('governance_posts_open').on(t.closedAt)],
);
