import { eq } from 'drizzle-orm';
import { snapshotjs as snapshot } from '../../snapshotjs.ts';
import type { DbOrTx } from '../../../platform/db/client.ts';
import { hubProposals } from '../../../platform/db/schema.ts';
import { votingClass } from '../../tally/votingClasses.ts';
import { refuse } from '../errors.ts';
import { readProposal, type ProposalRow } from '../readProposal.ts';
import { PROPOSAL_BODY_LIMIT, PROPOSAL_CHOICES_LIMIT, parsePlugins } from './proposal.ts';
import type { Writer } from '../types.ts';

type Update = { proposal: string; name: string; body: string; discussion: string; choices: string[]; type: string; plugins: Record<string, unknown> };

/**
 * A proposal's author edits it (Snapshot's `update-proposal` writer): the schema, the proposal
 * known, choices valid for the type (`basic` is exactly For/Against/Abstain), the author only, the
 * space's voting type. Beyond the sequencer read: only before voting starts, since a change of
 * choices would silently reinterpret votes already cast.
 */
export const updateProposalWriter: Writer<{ update: Update; original: ProposalRow }> = {
  async verify(deps, ctx) {
    const m = ctx.message;
    const update: Update = {
      proposal: String(m.proposal),
      name: m.title as string,
      body: m.body as string,
      discussion: (m.discussion as string) || '',
      choices: m.choices as string[],
      type: m.type as string,
      plugins: parsePlugins(m.plugins),
    };
    const schemaPayload = { ...update, metadata: { plugins: update.plugins }, plugins: undefined };
    delete schemaPayload.plugins;
    if (
      snapshot.utils.validateSchema(snapshot.schemas.updateProposal, schemaPayload) !== true ||
      update.body.length > PROPOSAL_BODY_LIMIT ||
      update.choices.length > PROPOSAL_CHOICES_LIMIT ||
      (update.type && !votingClass(update.type))
    )
      refuse('wrong proposal format');
    const original = await readProposal(deps, { space: ctx.space!.id, id: update.proposal });
    if (!original) return refuse('unknown proposal');
    const type = update.type || original.type;
    const choices = update.choices.length > 0 ? update.choices : original.choices;
    const choicesValid = type === 'basic' ? JSON.stringify(choices) === JSON.stringify(['For', 'Against', 'Abstain']) : choices.length > 0;
    if (!choicesValid) refuse(`wrong choices for "${type}" type voting`);
    if (original.author !== ctx.from) refuse('Not the author');
    const spaceType = ctx.space!.settings.voting?.type;
    if (spaceType && type !== spaceType) refuse('space voting type mismatch');
    if (original.start <= ctx.now) refuse('proposal already started');
    return { update, original };
  },
  async write(tx: DbOrTx, _deps, ctx, { update, original }) {
    await tx
      .update(hubProposals)
      .set({
        ipfs: ctx.ipfs,
        updated: ctx.timestamp,
        type: update.type || original.type,
        plugins: update.plugins,
        title: update.name || original.title,
        body: update.body,
        discussion: update.discussion,
        choices: update.choices.length ? update.choices : original.choices,
      })
      .where(eq(hubProposals.id, original.id));
  },
};
