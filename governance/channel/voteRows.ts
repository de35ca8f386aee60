import { fitLabel, MAX_SELECT_OPTIONS, type ReplyButton, type ReplyRow } from '../../platform/chat/reply.ts';

/** Stores a control (a component row) for `action` with `data`, usable by anyone, for `ttlMs`; returns its id. */
export type CreateSharedControl = (action: string, data: Record<string, unknown>, ttlMs: number) => Promise<string>;

/** The chat actions the controls run (defined by the chat core's governance feature). */
export const VOTE_ACTIONS = { vote: 'gov.vote', choose: 'gov.choose', form: 'gov.form' } as const;

/**
 * The controls to vote on a proposal with, by its type: a button per choice for single-choice and
 * basic (up to 20), a select beyond that, a multi-select for approval, and a button opening a form
 * for ranked-choice, weighted and quadratic. Anyone may press them: the hub checks who may vote.
 * Used by /proposal and by the posts in the governance channels, so both vote the same way.
 */
export async function voteRows(control: CreateSharedControl, p: { id: string; type: string; choices: readonly string[] }, ttlMs: number): Promise<ReplyRow[]> {
  const data = (extra: Record<string, unknown> = {}) => ({ proposalId: p.id, ...extra });
  if ((p.type === 'single-choice' || p.type === 'basic') && p.choices.length <= 20) {
    const buttons: ReplyButton[] = await Promise.all(
      p.choices.map(async (c, i) => ({ kind: 'button' as const, label: fitLabel(c), style: 'primary' as const, id: await control(VOTE_ACTIONS.vote, data({ choice: i + 1 }), ttlMs) })),
    );
    const rows: ReplyRow[] = [];
    for (let i = 0; i < buttons.length; i += 5) rows.push({ buttons: buttons.slice(i, i + 5) });
    return rows;
  }
  const options = p.choices.slice(0, MAX_SELECT_OPTIONS).map((c, i) => ({ label: fitLabel(c, 100), value: String(i + 1) }));
  if (p.type === 'single-choice' || p.type === 'basic')
    return [{ select: { kind: 'select', id: await control(VOTE_ACTIONS.choose, data(), ttlMs), placeholder: 'Your choice', options, min: 1, max: 1 } }];
  if (p.type === 'approval')
    return [{ select: { kind: 'select', id: await control(VOTE_ACTIONS.choose, data(), ttlMs), placeholder: 'Approve one or more', options, min: 1, max: options.length } }];
  // Ranked, weighted, quadratic: a form.
  return [{ buttons: [{ kind: 'button', label: p.type === 'ranked-choice' ? 'Rank the choices' : 'Give your votes', style: 'primary', id: await control(VOTE_ACTIONS.form, data(), ttlMs) }] }];
}
