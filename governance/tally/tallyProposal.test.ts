import fs from 'node:fs';
import { createRequire } from 'node:module';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase } from '../../test/helpers/testRuntime.ts';
import type { Database } from '../../platform/db/client.ts';
import { hubProposals, hubVotes } from '../../platform/db/schema.ts';
import { tallyProposal } from './tallyProposal.ts';

const examples = createRequire(import.meta.url);

/** snapshot.js's stored results of copeland's spec (`getScores 1`, `getScoresByStrategy 1`, `getScoresTotal 1`). */
function copelandSnapshot(): { scores: number[]; scoresByStrategy: number[][]; scoresTotal: number } {
  const snap = fs.readFileSync(examples.resolve('@snapshot-labs/snapshot.js/src/voting/__snapshots__/copeland.spec.js.snap'), 'utf8');
  const read = (name: string) => JSON.parse(new RegExp(`exports\\[\`${name} 1\`\\] = \`([^\`]*)\``).exec(snap)![1]!.replace(/,(\s*[\]}])/g, '$1')) as unknown;
  return { scores: read('getScores') as number[], scoresByStrategy: read('getScoresByStrategy') as number[][], scoresTotal: read('getScoresTotal') as number };
}
const EXAMPLES: Record<string, string> = {
  'single-choice': 'singleChoice',
  approval: 'approval',
  quadratic: 'quadratic',
  'ranked-choice': 'rankedChoice',
  copeland: 'copeland',
  weighted: 'weighted',
};
type Example = {
  proposal: { choices: string[] };
  strategies: unknown[];
  scores: number[];
  scoresByStrategy: number[][];
  scoresTotal: number;
  votes: Array<{ choice: unknown; balance: number; scores: number[] }>;
};

/** The tally stores what snapshot.js's own voting specs expect, for every type (their example data, through the database). */
describe('tallyProposal', () => {
  let database: Database;
  let close: () => Promise<void>;
  beforeAll(async () => ({ database, close } = await createMigratedTestDatabase()));
  afterAll(async () => close?.());

  it.each(Object.keys(EXAMPLES))('%s: equals snapshot.js’s spec example', async (type) => {
    const ex = examples(`@snapshot-labs/snapshot.js/src/voting/examples/${EXAMPLES[type]}.json`) as Example;
    const id = `0x${type.padEnd(64, '0').replace(/[^0-9a-f]/g, 'f')}`;
    await database.db.insert(hubProposals).values({
      id, ipfs: 'b', author: '0x0', created: 1, space: 's.eth', network: '31337', symbol: 'V', type,
      strategies: ex.strategies, title: type, body: '', choices: ex.proposal.choices, start: 1, end: 2, snapshot: 1,
    });
    await database.db.insert(hubVotes).values(
      ex.votes.map((v, i) => ({
        id: `${id}-${i}`, ipfs: 'b', voter: `0x${i}`, created: 1, space: 's.eth', proposal: id, choice: v.choice,
        vpExact: '0', vp: String(v.balance), vpByStrategy: v.scores,
      })),
    );
    const counted = await tallyProposal({ db: database.db }, { proposal: id, now: 10 });
    // Copeland's spec checks against its stored snapshot (the example file's scores predate a change of method).
    const expected = type === 'copeland' ? copelandSnapshot() : ex;
    expect(counted.scores).toEqual(expected.scores);
    expect(counted.scoresByStrategy).toEqual(expected.scoresByStrategy);
    expect(counted.scoresTotal).toBe(expected.scoresTotal);
    expect(counted.votes).toBe(ex.votes.length);
    expect(counted.scoresState).toBe('final');
    const [stored] = await database.db.select().from(hubProposals).where(eq(hubProposals.id, id));
    expect(stored!.scores).toEqual(expected.scores);
    expect(Number(stored!.scoresTotal)).toBe(expected.scoresTotal);
  });
});
