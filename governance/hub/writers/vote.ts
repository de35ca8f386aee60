import { snapshotjs as snapshot } from '../../snapshotjs.ts';
import { loadCachedVotingPower } from '../../strategies/loadCachedVotingPower.ts';
import type { VotingPower } from '../../strategies/getVotingPower.ts';
import { votingClass } from '../../tally/votingClasses.ts';
import { refuse } from '../errors.ts';
import { readProposalCached } from '../hubCache.ts';
import { kebabCase } from '../kebabCase.ts';
import type { ProposalRow } from '../readProposal.ts';
import type { HubDeps, MessageContext } from '../types.ts';

export type VotePayload = { proposal: string; choice: unknown; reason: string; app: string; metadata: Record<string, unknown> };
/** A vote that passed its checks: what `writeVotes` stores. */
export type CheckedVote = { payload: VotePayload; proposal: ProposalRow; vp: VotingPower };

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
 * A vote's checks (Snapshot's `vote` writer's `verify`): the vote schema (reason ≤ 5,000), a known
 * proposal, inside [start, end] by both the message's and the hub's clock, a choice snapshot.js's
 * class for the type accepts, and voting power above zero at the snapshot for the principal
 * (`from`, never the alias that signed). The proposal comes from this process's cache
 * (`readProposalCached`), voting power from `hub_vp_cache` read for many voters at once. The
 * write — and the re-vote rule — is `writeVotes`'.
 */
export async function verifyVote(deps: HubDeps, ctx: MessageContext): Promise<CheckedVote> {
  const payload = ctx.votePayload!;
  if (snapshot.utils.validateSchema(snapshot.schemas.vote, payload) !== true) refuse('wrong vote format');
  const proposal = await readProposalCached(deps, { space: ctx.space!.id, id: payload.proposal }, ctx.now);
  if (!proposal) return refuse('unknown proposal');
  const t = ctx.timestamp;
  if (t > proposal.end || proposal.start > t || ctx.now > proposal.end || proposal.start > ctx.now) refuse('not in voting window');
  const Voting = votingClass(proposal.type);
  if (!Voting || !Voting.isValidChoice(payload.choice, proposal.choices)) refuse('invalid choice');
  const validation = proposal.validation?.name;
  if (validation && validation !== 'any') refuse('failed to check vote validation');
  let vp: VotingPower;
  try {
    vp = await loadCachedVotingPower(
      { db: deps.db, publicClient: deps.chain.publicClient },
      { proposal: proposal.id, address: ctx.from, strategies: proposal.strategies as never, snapshot: proposal.snapshot, now: ctx.now },
    );
  } catch (cause) {
    return refuse('failed to check voting power', { cause });
  }
  if (vp.vpExact === 0n) refuse('no voting power');
  return { payload, proposal, vp };
}
