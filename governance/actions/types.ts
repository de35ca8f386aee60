import type { AesKey } from '../../platform/crypto/aead.ts';
import type { Db } from '../../platform/db/client.ts';
import type { HubDeps } from '../hub/types.ts';

/** What the chat's governance actions need: the hub (in process), the users' keys and the space. */
export type GovernanceDeps = {
  db: Db;
  masterKey: AesKey;
  hub: HubDeps;
  /** The platform's Snapshot space (`SNAPSHOT_SPACE`). */
  space: string;
};

/** Snapshot's voting types. */
export const PROPOSAL_TYPES = ['single-choice', 'approval', 'quadratic', 'ranked-choice', 'weighted', 'basic'] as const;
export type ProposalType = (typeof PROPOSAL_TYPES)[number];

/** What each voting type asks of a voter, in a few words (cards, posts). */
export const VOTING_TYPE_WORDS: Readonly<Record<string, string>> = {
  'single-choice': 'one choice',
  basic: 'for / against / abstain',
  approval: 'approve any number of choices',
  'ranked-choice': 'rank the choices',
  weighted: 'spread your votes over the choices',
  quadratic: 'spread your votes (quadratic)',
  copeland: 'rank the choices (Copeland)',
};
