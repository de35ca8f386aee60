import { and, eq, sql } from 'drizzle-orm';
import { snapshotjs as snapshot } from '../../snapshotjs.ts';
import type { DbOrTx } from '../../../platform/db/client.ts';
import { hubVotes } from '../../../platform/db/schema.ts';
import { getCachedVotingPower } from '../../strategies/getCachedVotingPower.ts';
import type { VotingPower } from '../../strategies/getVotingPower.ts';
import { votingClass } from '../../tally/votingClasses.ts';
import { HubMessageError, refuse } from '../errors.ts';
import { kebabCase } from '../kebabCase.ts';
import { readProposal, type ProposalRow } from '../readProposal.ts';
import type { Writer } from '../types.ts';

type VotePayload = { proposal: string; choice: unknown; reason: string; app: string; metadata: Record<string, unknown> };

/** The vote payload the sequencer builds: `metadata` parsed (`{}` when not JSON), `choice` as given (vote-string: parsed by the ingestor). */
export function votePayload(message: Record<string, unknown>, choice: unknown): VotePayload {
  let metadata: Record<string, unknown> = {};
  try {
    const m = JSON.parse(String(message.metadata ?? '{}')) as unknown;
    if (m && typeof m === 'object') metadata = m as Record<string, unknown>;
  } catch {}
  return { proposal: String(message.proposal), choice, reason: String(message.reason ?? ''), app: kebabCase(String(message.app ?? '')), metadata };
}

/**
 * A vote (Snapshot's `vote` writer): the vote schema (reason ≤ 5,000), a known proposal, inside
 * [start, end] by both the message's and the hub's clock, a choice snapshot.js's class for the
 * type accepts, and voting power above zero at the snapshot for the principal (`from`, never the
 * alias that signed). A re-vote replaces the earlier one when its timestamp is later (ties: the
 * greater id wins), decided atomically by the (proposal, voter) unique index.
 */
export const voteWriter: Writer<{ payload: VotePayload; proposal: ProposalRow; vp: VotingPower }> = {
  async verify(deps, ctx) {
    const payload = ctx.votePayload!;
    if (snapshot.utils.validateSchema(snapshot.schemas.vote, payload) !== true) refuse('wrong vote format');
    const proposal = await readProposal(deps, { space: ctx.space!.id, id: payload.proposal });
    if (!proposal) return refuse('unknown proposal');
    const t = ctx.timestamp;
    if (t > proposal.end || proposal.start > t || ctx.now > proposal.end || proposal.start > ctx.now) refuse('not in voting window');
    const Voting = votingClass(proposal.type);
    if (!Voting || !Voting.isValidChoice(payload.choice, proposal.choices)) refuse('invalid choice');
    const validation = proposal.validation?.name;
    if (validation && validation !== 'any') refuse('failed to check vote validation');
    let vp: VotingPower;
    try {
      vp = await getCachedVotingPower(
        { db: deps.db, publicClient: deps.chain.publicClient },
        { proposal: proposal.id, address: ctx.from, strategies: proposal.strategies as never, snapshot: proposal.snapshot, now: ctx.now },
      );
    } catch (cause) {
      return refuse('failed to check voting power', { cause });
    }
    if (vp.vpExact === 0n) refuse('no voting power');
    return { payload, proposal, vp };
  },
  async write(tx: DbOrTx, _deps, ctx, { payload, proposal, vp }) {
    const row = {
      id: ctx.id,
      ipfs: ctx.ipfs,
      voter: ctx.from,
      created: ctx.timestamp,
      space: proposal.space,
      proposal: proposal.id,
      choice: payload.choice,
      metadata: payload.metadata,
      reason: payload.reason,
      app: payload.app,
      vpExact: vp.vpExact.toString(),
      vp: String(vp.vp),
      vpByStrategy: vp.vpByStrategy,
      vpState: 'final',
    };
    const { voter: _v, proposal: _p, space: _s, ...changes } = row;
    const stored = await tx
      .insert(hubVotes)
      .values(row)
      .onConflictDoUpdate({
        target: [hubVotes.proposal, hubVotes.voter],
        set: changes,
        setWhere: sql`${hubVotes.created} < excluded.created or (${hubVotes.created} = excluded.created and excluded.id collate "C" > ${hubVotes.id} collate "C")`,
      })
      .returning({ id: hubVotes.id });
    if (stored.length) return;
    const [earlier] = await tx
      .select({ created: hubVotes.created })
      .from(hubVotes)
      .where(and(eq(hubVotes.proposal, proposal.id), eq(hubVotes.voter, ctx.from)));
    throw new HubMessageError(earlier && earlier.created > ctx.timestamp ? 'already voted at later time' : 'already voted same time with lower index');
  },
};
