import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { HubMessageType } from './types.ts';

/** snapshot.js's table of `sha256(JSON.stringify(types))` → message type, the one the sequencer reads. */
const hashedTypes = createRequire(import.meta.url)('@snapshot-labs/snapshot.js/src/sign/hashedTypes.json') as Record<string, string>;

/** The types this hub writes; Snapshot's others (profile, statement, subscribe…) are refused. */
export const HUB_MESSAGE_TYPES: readonly HubMessageType[] = [
  'settings',
  'proposal',
  'update-proposal',
  'delete-proposal',
  'vote',
  'vote-array',
  'vote-string',
  'alias',
  'follow',
  'unfollow',
];

/** The message type Snapshot names for these EIP-712 types (without `EIP712Domain`), or undefined. */
export function messageTypeOf(types: unknown): string | undefined {
  return hashedTypes[createHash('sha256').update(JSON.stringify(types)).digest('hex')];
}

/** Types an alias may always sign for its owner; with the space's `voting.aliased`, also the optional ones. */
export const ALIAS_TYPES: readonly string[] = ['follow', 'unfollow', 'subscribe', 'unsubscribe', 'profile', 'statement'];
export const OPTIONAL_ALIAS_TYPES: readonly string[] = ['vote', 'vote-array', 'vote-string', 'proposal', 'delete-proposal'];

/** The EIP-712 domain every Snapshot message is signed in (snapshot.js 0.17.5's `domain`). */
export const SNAPSHOT_DOMAIN = { name: 'snapshot', version: '0.1.4' } as const;
