import type { Account, Address, Chain, Hex, PublicClient, Transport } from 'viem';
import type { Db, DbOrTx } from '../../platform/db/client.ts';
import type { Logger } from '../../platform/log.ts';
import type { VoteQueue } from './voteQueue.ts';

/** Snapshot's envelope: what `Client712` posts. */
export type HubEnvelope = {
  address: Address;
  sig: Hex;
  data: {
    domain: { name: string; version: string } & Record<string, unknown>;
    types: Record<string, Array<{ name: string; type: string }>>;
    primaryType?: string;
    message: Record<string, unknown> & { from: string; timestamp: number; space?: string };
  };
};

/** The sequencer's answer to an accepted message. */
export type HubReceipt = {
  /** The EIP-712 hash of the signed data (Snapshot's message id). */
  id: Hex;
  /** A CIDv1 (dag-json, sha2-256) of the envelope as Snapshot pins it; computed here, not pinned anywhere. */
  ipfs: string;
  /** The hub's relayer address and its EIP-191 signature over `id`. */
  relayer: { address: Address; receipt: Hex };
};

/** Message types the hub accepts, by Snapshot's hashed-types names. */
export type HubMessageType =
  | 'settings'
  | 'proposal'
  | 'update-proposal'
  | 'delete-proposal'
  | 'vote'
  | 'vote-array'
  | 'vote-string'
  | 'alias'
  | 'follow'
  | 'unfollow';

/** What the hub needs: the database, the chain it reads voting power from, and its relayer key. */
export type HubDeps = {
  db: Db;
  chain: { chainId: number; publicClient: PublicClient<Transport, Chain> };
  /** Signs receipts (`relayer.receipt`); an account of the platform's, never a user's. */
  relayer: Account & { signMessage: NonNullable<Account['signMessage']> };
  /** Who controls a space nobody has created yet (Snapshot asks ENS; this hub has no ENS). */
  defaultController: Address;
  log?: Logger | undefined;
  /** Seconds since the epoch; tests move it. Default: the clock. */
  now?: (() => number) | undefined;
  /**
   * Recovers the signer of a 65-byte signature over the envelope (default: `recoverSigner`,
   * libsecp256k1 with viem's recovery as the fallback); another may be injected (the bench
   * injects snapshot.js's). Contracts' signatures (EIP-1271, EIP-6492) are always checked on
   * chain with viem's `verifyTypedData`.
   */
  recover?: ((data: HubEnvelope['data'], primaryType: string, sig: Hex) => Promise<Address | null>) | undefined;
  /** Called after a vote is stored, with the proposal id (the runtime tallies, coalesced). */
  onVote?: ((proposal: string) => void) | undefined;
  /** Called after a proposal is created, updated or deleted, with its id (the runtime posts it to the governance channels). */
  onProposal?: ((proposal: string) => void) | undefined;
  /**
   * Group commit for votes (`createVoteQueue`): the votes arriving while a batch is being written
   * go together in the next one. Without it each vote is written in its own transaction. The
   * owner closes it on shutdown (it waits for the votes it took).
   */
  voteQueue?: VoteQueue | undefined;
};

/** What every writer gets: the checked envelope and what the ingestor learned about it. */
export type MessageContext = {
  envelope: HubEnvelope;
  type: HubMessageType;
  message: HubEnvelope['data']['message'];
  id: Hex;
  /** The principal: `message.from` (the signer is `envelope.address`, an alias when they differ). */
  from: Address;
  timestamp: number;
  /** The space's row, when the type needs one. */
  space: SpaceRow | undefined;
  now: number;
  /** Votes: the payload the sequencer builds (metadata parsed, a vote-string's choice parsed). */
  votePayload?: { proposal: string; choice: unknown; reason: string; app: string; metadata: Record<string, unknown> } | undefined;
};

export type SpaceRow = {
  id: string;
  settings: SpaceSettings;
  controller: string;
  deleted: number;
};

/** The fields of Snapshot's space settings this hub reads. */
export type SpaceSettings = Record<string, unknown> & {
  name: string;
  network: string;
  symbol?: string;
  strategies: Array<{ name: string; network?: string; params?: Record<string, unknown> }>;
  admins?: string[];
  members?: string[];
  moderators?: string[];
  filters?: { onlyMembers?: boolean; minScore?: number };
  validation?: { name?: string; params?: Record<string, unknown> };
  voteValidation?: { name?: string; params?: Record<string, unknown> };
  voting?: { delay?: number; period?: number; type?: string; quorum?: number; aliased?: boolean; privacy?: string };
  plugins?: Record<string, unknown>;
};

/** A writer: checks that need the database (Snapshot's `verify`), then the write, in one transaction. */
export type Writer<C = unknown> = {
  verify(deps: HubDeps, ctx: MessageContext): Promise<C>;
  write(tx: DbOrTx, deps: HubDeps, ctx: MessageContext & { ipfs: string }, checked: C): Promise<void>;
};
