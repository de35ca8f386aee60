import { and, eq } from 'drizzle-orm';
import { chatSigner } from '../alias/chatSigner.ts';
import { hubVotes } from '../../platform/db/schema.ts';
import { InputError, NotFoundError } from '../../platform/errors.ts';
import { readProposal } from '../hub/readProposal.ts';
import { snapshotjs } from '../snapshotjs.ts';
import { createHubClient } from './hubClient.ts';
import type { GovernanceDeps } from './types.ts';

/** A choice as Snapshot's voting types take it: a 1-based index, an ordered list, or points per choice. */
export type VoteChoice = number | number[] | Record<string, number>;

/**
 * Casts the user's vote on a proposal of the platform's space, signed with Snapshot's client by
 * their custodial key, or, when their votes live in a linked wallet, by the voting alias that
 * wallet authorised (`from` = the wallet); the hub checks it (window, choice, voting power at the snapshot) and a later
 * vote replaces an earlier one. `isValidChoice` of snapshot.js runs first, so a malformed choice is
 * refused before anything is signed. Returns the vote's id and the voting power it counted.
 */
export async function castVote(
  deps: GovernanceDeps,
  params: { userId: number; proposalId: string; choice: VoteChoice; reason?: string | undefined },
): Promise<{ id: string; vp: number }> {
  const proposal = await readProposal(deps.hub, { space: deps.space, id: params.proposalId });
  if (!proposal || proposal.deleted) throw new NotFoundError('There is no such proposal.');
  const Voting = snapshotjs.utils.voting[proposal.type as keyof typeof snapshotjs.utils.voting] as unknown as {
    isValidChoice(choice: unknown, choices: string[]): boolean;
  };
  if (!Voting?.isValidChoice(params.choice, proposal.choices)) throw new InputError('That is not a valid choice for this proposal.');
  const { account, from: voter } = await chatSigner(deps, params.userId);
  // Votes carry whole seconds and the later one wins, ties going to the greater id: a change of
  // mind within the same second as the first vote must still be the later one.
  const [earlier] = await deps.db
    .select({ created: hubVotes.created })
    .from(hubVotes)
    .where(and(eq(hubVotes.proposal, proposal.id), eq(hubVotes.voter, voter)));
  const now = Math.floor(Date.now() / 1000);
  const receipt = await createHubClient(deps.hub, account).vote({
    from: voter,
    space: deps.space,
    proposal: proposal.id,
    type: proposal.type,
    choice: params.choice,
    reason: params.reason ?? '',
    app: 'caravan',
    metadata: '{}',
    timestamp: earlier ? Math.max(now, earlier.created + 1) : now,
  });
  const [vote] = await deps.db
    .select({ vp: hubVotes.vp })
    .from(hubVotes)
    .where(and(eq(hubVotes.proposal, proposal.id), eq(hubVotes.voter, voter)));
  return { id: receipt.id, vp: vote ? Number(vote.vp) : 0 };
}
