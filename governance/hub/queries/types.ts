import type { Db } from '../../../platform/db/client.ts';

/*
 * What the hub's reads return, with snapshot-hub's GraphQL field names (snake_case where Snapshot
 * uses it). A related space or proposal is its id here; the GraphQL layer loads the object.
 */

/** A voting strategy; its `network` defaults to the space's (or proposal's) network. */
export type HubStrategy = { name: string; network: string; params: Record<string, unknown> };

/** A validation (`{ name: 'any', params: {} }` when the space or proposal sets none). */
export type HubValidation = { name: string; params: Record<string, unknown> };

/** A space: its settings (Snapshot's space schema) with snapshot-hub's defaults, its id and times. */
export type HubSpace = Record<string, unknown> & {
  id: string;
  name: string;
  network: string;
  symbol: string;
  private: boolean;
  about: string;
  avatar: string;
  admins: string[];
  members: string[];
  moderators: string[];
  categories: string[];
  strategies: HubStrategy[];
  plugins: Record<string, unknown>;
  filters: { minScore: number; onlyMembers: boolean };
  voting: {
    delay: number | null;
    period: number | null;
    type: string | null;
    quorum: number | null;
    blind: boolean;
    hideAbstain: boolean;
    privacy: string;
    aliased: boolean;
  };
  validation: HubValidation;
  voteValidation: HubValidation;
  treasuries: unknown[];
  labels: unknown[];
  created: number;
  updated: number;
};

/** Proposal states, from its start and end against the hub's clock. */
export type HubProposalState = 'pending' | 'active' | 'closed';

export type HubProposal = {
  id: string;
  ipfs: string;
  author: string;
  created: number;
  updated: number | null;
  /** The space's id. */
  space: string;
  network: string;
  symbol: string;
  type: string;
  strategies: HubStrategy[];
  validation: HubValidation;
  plugins: Record<string, unknown>;
  title: string;
  body: string;
  discussion: string;
  choices: string[];
  labels: string[];
  start: number;
  end: number;
  quorum: number;
  privacy: string;
  /** The snapshot block, as a string as on snapshot-hub. */
  snapshot: string;
  state: HubProposalState;
  app: string;
  scores: number[];
  scores_by_strategy: number[][];
  scores_state: string;
  scores_total: number;
  scores_updated: number;
  votes: number;
};

export type HubVote = {
  id: string;
  ipfs: string;
  voter: string;
  created: number;
  /** The space's id. */
  space: string;
  /** The proposal's id. */
  proposal: string;
  choice: unknown;
  metadata: Record<string, unknown>;
  reason: string;
  app: string;
  vp: number;
  vp_by_strategy: number[];
  vp_state: string;
};

export type HubAlias = { id: string; ipfs: string; address: string; alias: string; created: number };

export type HubFollow = { id: string; ipfs: string; follower: string; /** The space's id. */ space: string; network: string; created: number };

export type HubMessage = {
  mci: number;
  id: string;
  ipfs: string;
  address: string;
  version: string;
  timestamp: number;
  space: string | null;
  type: string;
  sig: string;
  receipt: string;
};

/** Voting power as snapshot-hub's `vp` query answers it. */
export type HubVp = { vp: number; vp_by_strategy: number[]; vp_state: string };

/** What every read needs: the database and the hub's clock. */
export type HubReadDeps = {
  db: Db;
  /** Seconds since the epoch (proposal states); default: the clock. */
  now?: (() => number) | undefined;
};

export const nowOf = (deps: Pick<HubReadDeps, 'now'>): number => (deps.now ? deps.now() : Math.floor(Date.now() / 1000));
