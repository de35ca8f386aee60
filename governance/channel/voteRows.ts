import { fitLabel, MAX_SELECT_OPTIONS, type ReplyButton, type ReplyRow } from '../../platform/chat/reply.ts';

/** Stores a control (a component row) for `action` with `data`, usable by anyone, for `ttlMs`; returns its id. */
export type CreateSharedControl = (action: string, data: Record<string, unknown>, ttlMs: number) => Promise<string>;

/** The chat actions the controls run (defined by the chat core's governance feature). */
export const VOTE_ACTIONS = { vote: 'gov.vote', choose: 'gov.choose', form: 'gov.form', page: 'gov.page' } as const;

/**
 * The controls to vote on a proposal with, by its type: a button per choice for single-choice and
 * basic (up to 20), a select beyond that (25 choices per `page`, with buttons to the pages before
 * and after), a multi-select for approval (a form of choice numbers beyond 25 choices, which one
 * select cannot hold), and a button opening a form for ranked-choice, weighted and quadratic.
 * Anyone may press them: the hub checks who may vote. Used by /proposal and by the posts in the
 * governance channels, so both vote the same way.
 */
export async function voteRows(
  control: CreateSharedControl,
  p: { id: string; type: string; choices: readonly string[] },
  ttlMs: number,
  page = 0,
): Promise<ReplyRow[]> {
  const data = (extra: Record<string, unknown> = {}) => ({ proposalId: p.id, ...extra });
  if ((p.type === 'single-choice' || p.type === 'basic') && p.choices.length <= 20) {
    const buttons: ReplyButton[] = await Promise.all(
      p.choices.map(async (c, i) => ({ kind: 'button' as const, label: fitLabel(c), style: 'primary' as const, id: await control(VOTE_ACTIONS.vote, data({ choice: i + 1 }), ttlMs) })),
    );
    const rows: ReplyRow[] = [];
    for (let i = 0; i < buttons.length; i += 5) rows.push({ buttons: buttons.slice(i, i + 5) });
    return rows;
  }
  const pages = Math.ceil(p.choices.length / MAX_SELECT_OPTIONS);
  const first = Math.min(Math.max(0, page), pages - 1) * MAX_SELECT_OPTIONS;
  const options = p.choices.slice(first, first + MAX_SELECT_OPTIONS).map((c, i) => ({ label: fitLabel(`${first + i + 1}. ${c}`, 100), value: String(first + i + 1) }));
  if (p.type === 'single-choice' || p.type === 'basic') {
    const rows: ReplyRow[] = [{ select: { kind: 'select', id: await control(VOTE_ACTIONS.choose, data(), ttlMs), placeholder: pages > 1 ? `Your choice (${first + 1}–${first + options.length} of ${p.choices.length})` : 'Your choice', options, min: 1, max: 1 } }];
    const nav: ReplyButton[] = [];
    const to = async (label: string, target: number) => nav.push({ kind: 'button', label, id: await control(VOTE_ACTIONS.page, data({ page: target }), ttlMs) });
    if (first > 0) await to(`◂ Choices ${first - MAX_SELECT_OPTIONS + 1}–${first}`, first / MAX_SELECT_OPTIONS - 1);
    if (first + MAX_SELECT_OPTIONS < p.choices.length)
      await to(`Choices ${first + MAX_SELECT_OPTIONS + 1}–${Math.min(p.choices.length, first + 2 * MAX_SELECT_OPTIONS)} ▸`, first / MAX_SELECT_OPTIONS + 1);
    if (nav.length) rows.push({ buttons: nav });
    return rows;
  }
  if (p.type === 'approval' && p.choices.length > MAX_SELECT_OPTIONS)
    return [{ buttons: [{ kind: 'button', label: 'Approve choices', style: 'primary', id: await control(VOTE_ACTIONS.form, data(), ttlMs) }] }];
  if (p.type === 'approval')
    return [{ select: { kind: 'select', id: await control(VOTE_ACTIONS.choose, data(), ttlMs), placeholder: 'Approve one or more', options, min: 1, max: options.length } }];
  // Ranked, weighted, quadratic: a form.
  return [{ buttons: [{ kind: 'button', label: p.type === 'ranked-choice' ? 'Rank the choices' : 'Give your votes', style: 'primary', id: await control(VOTE_ACTIONS.form, data(), ttlMs) }] }];
}
