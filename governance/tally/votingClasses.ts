import { snapshotjs as snapshot } from '../snapshotjs.ts';

/** A vote as snapshot.js's voting classes read it. */
export type TallyVote = { choice: unknown; balance: number; scores: number[] };

/** What snapshot.js's voting classes expose (the same for every type). */
export type VotingClass = {
  new (proposal: { choices: string[] }, votes: TallyVote[], strategies: unknown[], selected?: unknown): {
    getScores(): number[];
    getScoresByStrategy(): number[][];
    getScoresTotal(): number;
  };
  isValidChoice(choice: unknown, choices: string[]): boolean;
};

/** The voting types the hub accepts, each counted by snapshot.js's own class (pinned 0.17.5). */
export const VOTING_TYPES = ['single-choice', 'approval', 'quadratic', 'ranked-choice', 'weighted', 'basic', 'copeland'] as const;
export type VotingType = (typeof VOTING_TYPES)[number];

/** snapshot.js's class for a voting type (`basic` counts as single-choice), or undefined. */
export function votingClass(type: string): VotingClass | undefined {
  if (!(VOTING_TYPES as readonly string[]).includes(type)) return undefined;
  return (snapshot.utils.voting as unknown as Record<string, VotingClass>)[type];
}
