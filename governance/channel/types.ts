import type { Db } from '../../platform/db/client.ts';
import type { Logger } from '../../platform/log.ts';
import type { ChatOutbox } from '../../platform/notifications/types.ts';
import type { GovernanceChannel } from './channels.ts';

/** What posting proposals to the governance channels needs. */
export type ChannelPostDeps = {
  db: Db;
  outbox: ChatOutbox;
  /** The platform's Snapshot space (SNAPSHOT_SPACE): its proposals are posted. */
  space: string;
  /** Where they are posted (GOVERNANCE_CHANNELS). */
  channels: readonly GovernanceChannel[];
  /** At most one edit of a post per this many milliseconds (GOVERNANCE_POST_EDIT_INTERVAL); votes in between are shown together. */
  editIntervalMs: number;
  /** A link to a proposal, with `{space}` and `{id}` (GOVERNANCE_PROPOSAL_URL); without it a post links to the proposal's discussion, if any. */
  proposalUrl?: string | undefined;
  /** Seconds since the epoch, the hub's clock (tests move it). Default: the clock. */
  now?: (() => number) | undefined;
  /** How long a sender's claim on a post holds (default 15 s). */
  claimLeaseSeconds?: number | undefined;
  log?: Logger | undefined;
};

export const nowOf = (deps: Pick<ChannelPostDeps, 'now'>): number => Math.floor(deps.now?.() ?? Date.now() / 1000);

/**
 * When to update a proposal's posts after a vote at `nowMs`: the end of the current
 * `intervalMs` window, so every vote in one window is one job (and one edit).
 */
export const coalescedDueAt = (nowMs: number, intervalMs: number): number => (Math.floor(nowMs / intervalMs) + 1) * intervalMs;
