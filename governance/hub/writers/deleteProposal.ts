import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../../platform/db/client.ts';
import { hubProposals, hubVotes, hubVpCache } from '../../../platform/db/schema.ts';
import { refuse } from '../errors.ts';
import { readProposal } from '../readProposal.ts';
import type { Writer } from '../types.ts';

/** A proposal removed with its votes (Snapshot's `delete-proposal`): by its author, a space admin or a moderator. */
export const deleteProposalWriter: Writer<{ proposal: string }> = {
  async verify(deps, ctx) {
    const id = String(ctx.message.proposal ?? '');
    const proposal = await readProposal(deps, { space: ctx.space!.id, id });
    if (!proposal) return refuse('unknown proposal');
    const s = ctx.space!.settings;
    const who = ctx.from.toLowerCase();
    const staff = [...(s.admins ?? []), ...(s.moderators ?? [])].map((a) => a.toLowerCase());
    if (!staff.includes(who) && proposal.author !== ctx.from) refuse('not authorized to archive proposal');
    return { proposal: id };
  },
  async write(tx: DbOrTx, _deps, _ctx, { proposal }) {
    // The proposal's row first: a vote batch holds it `FOR KEY SHARE` while it writes votes, so the
    // delete waits for that batch (and removes its votes too) instead of deadlocking on vote rows.
    await tx.select({ id: hubProposals.id }).from(hubProposals).where(eq(hubProposals.id, proposal)).for('update');
    await tx.delete(hubVotes).where(eq(hubVotes.proposal, proposal));
    await tx.delete(hubVpCache).where(eq(hubVpCache.proposal, proposal));
    await tx.delete(hubProposals).where(eq(hubProposals.id, proposal));
  },
};
