import { z } from 'zod';
import { castVote, type VoteChoice } from '../../../governance/actions/castVote.ts';
import { createProposal, MAX_DURATION_S, MIN_DURATION_S } from '../../../governance/actions/createProposal.ts';
import { listProposals, type ProposalSummary } from '../../../governance/actions/listProposals.ts';
import { PROPOSAL_TYPES, VOTING_TYPE_WORDS, type GovernanceDeps, type ProposalType } from '../../../governance/actions/types.ts';
import { votingPowerNow } from '../../../governance/actions/votingPowerNow.ts';
import { readProposal } from '../../../governance/hub/readProposal.ts';
import { voteRows } from '../../../governance/channel/voteRows.ts';
import { fitLabel, MAX_SELECT_OPTIONS, type FormField, type Reply, type ReplyButton, type ReplyRow } from '../../../platform/chat/reply.ts';
import { InputError, NotFoundError, ServiceError } from '../../../platform/errors.ts';
import type { ChatContext } from '../context.ts';
import { arg, defineAction, defineCommand, type Feature } from '../registry.ts';
import { utcMinute, voteNumber } from '../../../platform/messages/format.ts';

/** Proposal buttons work for a week after they are shown (voting lasts at most 30 days: /proposal shows fresh ones). */
const CONTROL_TTL_MS = 7 * 86_400_000;


function governance(ctx: ChatContext): GovernanceDeps {
  const g = ctx.deps.governance;
  if (!g) throw new ServiceError('Voting is not available in this process.', { retryable: true });
  return g;
}

const shortId = (id: string) => `${id.slice(0, 10)}…`;

/** Parses "3d", "12h", "90m" (or a number of hours). */
export function parseDuration(text: string): number {
  const m = /^\s*(\d{1,4})\s*(m|min|h|d)?\s*$/i.exec(text);
  if (!m) throw new InputError('Duration: a number with m, h or d, e.g. 3d or 12h.');
  const n = Number(m[1]);
  const unit = (m[2] ?? 'h').toLowerCase();
  const seconds = n * (unit.startsWith('m') ? 60 : unit === 'h' ? 3600 : 86_400);
  if (seconds < MIN_DURATION_S || seconds > MAX_DURATION_S) throw new InputError('Voting can last from 1 hour to 30 days.');
  return seconds;
}

/** The proposal's standing as text: each choice with its score and share, from the hub's tally. */
function standing(p: ProposalSummary, now: number): string {
  const total = p.scores.reduce((a, b) => a + b, 0);
  const open = p.start <= now && now < p.end;
  const lines = [
    `🗳 ${p.title}`,
    `${p.type} (${VOTING_TYPE_WORDS[p.type] ?? p.type}) · ${open ? `open until ${utcMinute(p.end)}` : now < p.start ? `opens ${utcMinute(p.start)}` : `closed ${utcMinute(p.end)}`}`,
  ];
  if (p.body) lines.push('', p.body.length > 400 ? `${p.body.slice(0, 399)}…` : p.body);
  lines.push('');
  p.choices.forEach((c, i) => {
    const s = p.scores[i] ?? 0;
    lines.push(`${i + 1}. ${c} — ${voteNumber(s)} votes${total > 0 ? ` (${Math.round((s / total) * 100)} %)` : ''}`);
  });
  lines.push('', `${p.votes} vote${p.votes === 1 ? '' : 's'} · voting power at block ${p.snapshot} · id ${shortId(p.id)}`);
  if (!open && total > 0) {
    const best = p.scores.indexOf(Math.max(...p.scores));
    lines.push(`Result: ${p.choices[best]}`);
  }
  return lines.join('\n');
}

/** The controls to vote with, for the proposal's type (the same as on the governance channels' posts). */
function voteControls(ctx: ChatContext, p: ProposalSummary): Promise<ReplyRow[]> {
  return voteRows((action, data, ttlMs) => ctx.control(action, data, { shared: true, ttlMs }), p, CONTROL_TTL_MS);
}

async function proposalCard(ctx: ChatContext, id: string, head?: string): Promise<Reply> {
  const g = governance(ctx);
  const p = await readProposal(g.hub, { space: g.space, id });
  if (!p || p.deleted) throw new NotFoundError(`There is no proposal ${id.slice(0, 20)} in ${g.space}.`);
  const now = Math.floor(g.hub.now?.() ?? Date.now() / 1000);
  const open = p.start <= now && now < p.end;
  return { text: [...(head ? [head, ''] : []), standing(p, now)].join('\n'), ...(open ? { rows: await voteControls(ctx, p) } : {}) };
}

/** Casts a vote and answers privately with what was counted. */
async function vote(ctx: ChatContext, proposalId: string, choice: VoteChoice) {
  const g = governance(ctx);
  const r = await castVote(g, { userId: (await ctx.user()).id, proposalId, choice });
  await ctx.reply({
    text: `✅ Your vote is in, with ${voteNumber(r.vp)} votes (receipts and tokens at the proposal's block). Vote id ${shortId(r.id)} — voting again replaces it.`,
    personal: true,
  });
}

/** Reads a ranking ("2, 1, 3") or points per choice ("1=2, 3=1", or one number per field). */
export function parseChoiceText(type: string, text: string, choices: number): VoteChoice {
  if (type === 'approval') {
    const picked = text.split(/[\s,;]+/).filter(Boolean).map(Number);
    if (!picked.length || picked.some((n) => !Number.isInteger(n) || n < 1 || n > choices))
      throw new InputError(`Give the numbers of the choices you approve, from 1 to ${choices}: e.g. 1, 4, ${Math.min(choices, 27)}.`);
    return [...new Set(picked)].sort((a, b) => a - b);
  }
  if (type === 'ranked-choice') {
    const order = text.split(/[\s,>]+/).filter(Boolean).map(Number);
    if (order.length !== choices || order.some((n) => !Number.isInteger(n) || n < 1 || n > choices) || new Set(order).size !== choices)
      throw new InputError(`Rank every choice once, best first: e.g. ${Array.from({ length: choices }, (_, i) => i + 1).reverse().join(', ')}.`);
    return order;
  }
  const points: Record<string, number> = {};
  for (const part of text.split(/[,;\n]+/).map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d{1,3})\s*[=:]\s*(\d{1,9}(?:\.\d+)?)$/.exec(part);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > choices) throw new InputError(`Give points as choice=points, e.g. 1=2, 3=1 (choices 1 to ${choices}).`);
    if (Number(m[2]) > 0) points[m[1]!] = (points[m[1]!] ?? 0) + Number(m[2]);
  }
  if (!Object.keys(points).length) throw new InputError('Give at least one choice some points.');
  return points;
}

const proposalData = z.object({ proposalId: z.string().regex(/^0x[0-9a-fA-F]{64}$/) });

/** Voting on the platform's proposals (Snapshot messages checked by the hub) from the chat. */
export const governanceFeature: Feature = {
  name: 'governance',
  title: 'Governance',
  commands: [
    defineCommand({
      name: 'proposals',
      description: 'Proposals open for voting, and the latest results',
      args: {},
      async run(ctx) {
        const g = governance(ctx);
        const [active, closed] = await Promise.all([listProposals(g, { state: 'active' }), listProposals(g, { state: 'closed', limit: 3 })]);
        const lines = [active.length ? `🗳 Open proposals in ${g.space}:` : `🗳 No proposal is open for voting in ${g.space}. /proposal new starts one.`];
        active.forEach((p, i) => lines.push(`${i + 1}. ${p.title} — ${p.type}, ${p.votes} vote${p.votes === 1 ? '' : 's'}, until ${utcMinute(p.end)}`));
        if (closed.length) {
          lines.push('', 'Recently closed:');
          for (const p of closed) {
            const total = p.scores.reduce((a, b) => a + b, 0);
            lines.push(`• ${p.title} — ${total > 0 ? `result: ${p.choices[p.scores.indexOf(Math.max(...p.scores))]}` : 'no votes'} (closed ${utcMinute(p.end)})`);
          }
        }
        const buttons: ReplyButton[] = await Promise.all(
          active.slice(0, 10).map(async (p, i) => ({
            kind: 'button' as const,
            label: fitLabel(`${i + 1}. ${p.title}`),
            id: await ctx.control('gov.open', { proposalId: p.id }, { shared: true, ttlMs: CONTROL_TTL_MS }),
          })),
        );
        const rows: ReplyRow[] = [];
        for (let i = 0; i < buttons.length; i += 5) rows.push({ buttons: buttons.slice(i, i + 5) });
        await ctx.reply({ text: lines.join('\n'), ...(rows.length ? { rows } : {}) });
      },
    }),
    defineCommand({
      name: 'proposal',
      description: 'Start a proposal (new) or show one with its vote buttons (<id>)',
      args: { id: arg.text<false>('new, or the proposal id (0x…)', { required: false, max: 80 }) },
      async run(ctx, { id }) {
        if (id && id.trim().toLowerCase() !== 'new') {
          await ctx.reply(await proposalCard(ctx, id.trim()));
          return;
        }
        governance(ctx);
        const fields: FormField[] = [
          { name: 'title', label: 'Title', style: 'short', required: true, minLength: 1, maxLength: 256 },
          { name: 'choices', label: 'Choices, one per line', style: 'paragraph', required: true, maxLength: 1000, placeholder: 'For\nAgainst\nAbstain' },
          { name: 'body', label: 'What it is about', style: 'paragraph', required: false, maxLength: 4000 },
          { name: 'type', label: `Voting: ${PROPOSAL_TYPES.join(', ')}`, style: 'short', required: false, maxLength: 20, placeholder: 'single-choice' },
          { name: 'duration', label: 'Open for (1h to 30d)', style: 'short', required: false, maxLength: 6, placeholder: '3d' },
        ];
        await ctx.reply({
          text: 'New proposal: it is signed with your key and voting power is read at the current block.',
          personal: true,
          form: { id: await ctx.control('gov.create', {}, { once: true, ttlMs: 3_600_000 }), title: 'New proposal', fields },
        });
      },
    }),
    defineCommand({
      name: 'vp',
      description: 'Your voting power now: receipts and governance tokens',
      args: {},
      personal: true,
      async run(ctx) {
        const g = governance(ctx);
        const vp = await votingPowerNow(g, { userId: (await ctx.user()).id });
        const parts = vp.strategies.map((s, i) => `${s}: ${voteNumber(vp.vpByStrategy[i] ?? 0)}`);
        await ctx.reply({
          text: [
            `🗳 Your voting power in ${g.space} now: ${voteNumber(vp.vp)} (${parts.join(', ')}), held by ${vp.address}.`,
            'A proposal counts what you held at its block. Tokens count once delegated (to yourself, too).',
          ].join('\n'),
          personal: true,
        });
      },
    }),
  ],
  actions: [
    defineAction({
      name: 'gov.create',
      data: z.object({}),
      async run(ctx, _data, input) {
        const f = input.fields ?? {};
        const type = (f.type?.trim().toLowerCase() || 'single-choice') as ProposalType;
        const { id } = await createProposal(governance(ctx), {
          userId: (await ctx.user()).id,
          title: f.title ?? '',
          body: f.body ?? '',
          type,
          choices: (f.choices ?? '').split('\n'),
          durationSeconds: parseDuration(f.duration?.trim() || '3d'),
        });
        await ctx.reply(await proposalCard(ctx, id, '✅ Proposal created. Vote below; others can open it with /proposals.'));
      },
    }),
    defineAction({
      name: 'gov.open',
      data: proposalData,
      async run(ctx, { proposalId }) {
        await ctx.reply(await proposalCard(ctx, proposalId));
      },
    }),
    defineAction({
      name: 'gov.vote',
      data: proposalData.extend({ choice: z.number().int().min(1) }),
      async run(ctx, { proposalId, choice }) {
        await vote(ctx, proposalId, choice);
      },
    }),
    defineAction({
      name: 'gov.choose',
      data: proposalData,
      async run(ctx, { proposalId }, input) {
        const g = governance(ctx);
        const p = await readProposal(g.hub, { space: g.space, id: proposalId });
        if (!p) throw new NotFoundError('There is no such proposal.');
        const values = (input.values ?? (input.toggle ? [input.toggle] : [])).map(Number);
        await vote(ctx, proposalId, p.type === 'approval' ? values : values[0]!);
      },
    }),
    defineAction({
      name: 'gov.page',
      data: proposalData.extend({ page: z.number().int().min(0).max(1000) }),
      async run(ctx, { proposalId, page }) {
        const g = governance(ctx);
        const p = await readProposal(g.hub, { space: g.space, id: proposalId });
        if (!p || p.deleted) throw new NotFoundError('There is no such proposal.');
        const first = page * MAX_SELECT_OPTIONS;
        await ctx.reply({
          text: `${p.title}: choices ${first + 1}–${Math.min(p.choices.length, first + MAX_SELECT_OPTIONS)} of ${p.choices.length}`,
          personal: true,
          rows: await voteRows((action, data, ttlMs) => ctx.control(action, data, { shared: true, ttlMs }), p, CONTROL_TTL_MS, page),
        });
      },
    }),
    defineAction({
      name: 'gov.form',
      data: proposalData,
      async run(ctx, { proposalId }) {
        const g = governance(ctx);
        const p = await readProposal(g.hub, { space: g.space, id: proposalId });
        if (!p) throw new NotFoundError('There is no such proposal.');
        const list = p.choices.map((c, i) => `${i + 1}. ${c}`).join('\n');
        const field: FormField =
          p.type === 'ranked-choice'
            ? { name: 'choice', label: 'Choice numbers, best first', style: 'short', required: true, maxLength: 200, placeholder: p.choices.map((_, i) => i + 1).join(', ') }
            : p.type === 'approval'
              ? { name: 'choice', label: 'Numbers of the choices you approve', style: 'short', required: true, maxLength: 400, placeholder: '1, 4, 27' }
              : { name: 'choice', label: 'Points: choice=points, …', style: 'paragraph', required: true, maxLength: 500, placeholder: '1=2, 3=1' };
        await ctx.reply({
          text: `${p.title}\n${list}`,
          personal: true,
          form: { id: await ctx.control('gov.submit', { proposalId }, { once: true, ttlMs: 3_600_000 }), title: fitLabel(p.title, 45), fields: [field] },
        });
      },
    }),
    defineAction({
      name: 'gov.submit',
      data: proposalData,
      async run(ctx, { proposalId }, input) {
        const g = governance(ctx);
        const p = await readProposal(g.hub, { space: g.space, id: proposalId });
        if (!p) throw new NotFoundError('There is no such proposal.');
        await vote(ctx, proposalId, parseChoiceText(p.type, input.fields?.choice ?? '', p.choices.length));
      },
    }),
  ],
};
