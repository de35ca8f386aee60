import { eq } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.ts';
import { hubProposals, hubVotes } from '../../platform/db/schema.ts';
import { NotFoundError } from '../../platform/errors.ts';
import { votingClass } from './votingClasses.ts';

export type TallyProposalParameters = { proposal: string; now?: number | undefined };

export type TallyProposalReturnType = {
  scores: number[];
  scoresByStrategy: number[][];
  scoresTotal: number;
  /** `final` once voting has ended, `pending` before. */
  scoresState: 'final' | 'pending';
  votes: number;
};

export type TallyProposalErrorType = NotFoundError;

/**
 * Counts a proposal's votes with snapshot.js's own voting class for its type
 * (`new utils.voting[type](proposal, votes, strategies)`), each vote weighing its voting power at
 * the snapshot (`balance` = vp, `scores` = vp by strategy), and writes the result to the
 * proposal's `scores*` and `votes`. Results equal Snapshot's because the counting code is Snapshot's.
 */
export async function tallyProposal(deps: { db: Db }, { proposal, now = Math.floor(Date.now() / 1000) }: TallyProposalParameters): Promise<TallyProposalReturnType> {
  const [p] = await deps.db.select().from(hubProposals).where(eq(hubProposals.id, proposal));
  if (!p) throw new NotFoundError(`No proposal ${proposal} on the hub.`);
  const rows = await deps.db
    .select({ choice: hubVotes.choice, vp: hubVotes.vp, vpByStrategy: hubVotes.vpByStrategy })
    .from(hubVotes)
    .where(eq(hubVotes.proposal, proposal));
  const Voting = votingClass(p.type);
  if (!Voting) throw new NotFoundError(`Proposal ${proposal} has a voting type (${p.type}) the hub cannot count.`);
  const votes = rows.map((r) => ({ choice: r.choice, balance: Number(r.vp), scores: r.vpByStrategy }));
  const counted = new Voting({ choices: p.choices }, votes, p.strategies);
  const result: TallyProposalReturnType = {
    scores: counted.getScores(),
    scoresByStrategy: counted.getScoresByStrategy(),
    scoresTotal: counted.getScoresTotal(),
    scoresState: now > p.end ? 'final' : 'pending',
    votes: rows.length,
  };
  await deps.db
    .update(hubProposals)
    .set({
      scores: result.scores,
      scoresByStrategy: result.scoresByStrategy,
      scoresTotal: String(result.scoresTotal),
      scoresState: result.scoresState,
      scoresUpdated: now,
      votes: result.votes,
    })
    .where(eq(hubProposals.id, proposal));
  return result;
}
