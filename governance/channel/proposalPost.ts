import type { ChatImage, Reply, ReplyCard, ReplyRow } from '../../platform/chat/reply.ts';
import type { ProposalRow } from '../hub/readProposal.ts';
import { formatShare, renderResultsChart, type ResultsChartInput } from './renderResultsChart.ts';
import { utcMinute, voteNumber } from '../../platform/messages/format.ts';
import { VOTING_TYPE_WORDS } from '../actions/types.ts';

const COLORS = { pending: 0x9e9e9e, open: 0x2e7d32, closed: 0x5865f2 } as const;

/** Where a proposal's voting stands at `now` (seconds). */
export type PostState = 'pending' | 'open' | 'closed';
export const stateOf = (p: Pick<ProposalRow, 'start' | 'end'>, now: number): PostState => (now < p.start ? 'pending' : now < p.end ? 'open' : 'closed');

const shortId = (id: string) => `${id.slice(0, 10)}…`;

/** What a post shows, as a key: equal keys need no edit. */
export const shownKey = (p: Pick<ProposalRow, 'votes' | 'scores' | 'updated'>, state: PostState) => `${p.updated ?? 0}|${state}|${p.votes}|${p.scores.join(',')}`;
/** Whether the proposal itself (title, choices, type) changed since `shown` (an update-proposal before voting starts). */
export const updatedSince = (shown: string | null, p: Pick<ProposalRow, 'updated'>) => shown !== null && shown.split('|')[0] !== String(p.updated ?? 0);

/** A proposal's link: the configured template (GOVERNANCE_PROPOSAL_URL), else its discussion link if it is a web address. */
export function proposalLink(p: Pick<ProposalRow, 'id' | 'space' | 'discussion'>, template?: string | undefined): string | undefined {
  if (template) return template.replaceAll('{space}', encodeURIComponent(p.space)).replaceAll('{id}', p.id);
  return /^https?:\/\/\S+$/.test(p.discussion) ? p.discussion : undefined;
}

/** The chart of a proposal's standing. */
export function chartOf(p: ProposalRow, state: PostState): ChatImage & { width: number; height: number } {
  const input: ResultsChartInput = { title: p.title, choices: p.choices, scores: p.scores, state, votes: p.votes };
  const { png, width, height } = renderResultsChart(input);
  return { png, fileName: `results-${p.id.slice(2, 10)}.png`, width, height };
}

function choiceLines(p: ProposalRow): string[] {
  const total = p.scores.reduce((a, b) => a + b, 0);
  return p.choices.map((c, i) => {
    const s = p.scores[i] ?? 0;
    return `${i + 1}. ${c} — ${voteNumber(s)} votes${total > 0 ? ` (${formatShare(s / total)})` : ''}`;
  });
}

/** The leading choice once votes are in ("A" or "A and B" on a tie); undefined without votes. */
export function leaderOf(p: Pick<ProposalRow, 'choices' | 'scores'>): string | undefined {
  const best = Math.max(0, ...p.scores);
  if (!(best > 0)) return undefined;
  return p.choices.filter((_, i) => p.scores[i] === best).join(' and ');
}

/**
 * A proposal's post: title (linked), status, times, voting type, choices with their votes and
 * shares, and how many voted; as a card (Discord's embed) and the same as text (other
 * transports). The chart and the vote controls are added by the caller.
 */
export function postReply(p: ProposalRow, params: { now: number; rows?: ReplyRow[] | undefined; chart?: ChatImage | undefined; link?: string | undefined }): Reply {
  const state = stateOf(p, params.now);
  const status =
    state === 'open'
      ? `Open until ${utcMinute(p.end)}`
      : state === 'pending'
        ? `Opens ${utcMinute(p.start)}`
        : `Closed ${utcMinute(p.end)}${leaderOf(p) ? ` · result: ${leaderOf(p)}` : ' · no votes'}`;
  const body = p.body.length > 600 ? `${p.body.slice(0, 599)}…` : p.body;
  const choices = choiceLines(p);
  const votes = `${p.votes} vote${p.votes === 1 ? '' : 's'} · voting power at block ${p.snapshot}`;
  const footer = `${p.space} · /proposal ${p.id} shows it in any chat`;
  const card: ReplyCard = {
    title: `🗳 ${p.title}`,
    ...(params.link ? { url: params.link } : {}),
    ...(body ? { description: body } : {}),
    fields: [
      { name: 'Status', value: status, inline: true },
      { name: 'Voting', value: `${p.type} (${VOTING_TYPE_WORDS[p.type] ?? p.type})`, inline: true },
      { name: 'Times', value: `${utcMinute(p.start)} → ${utcMinute(p.end)}` },
      { name: 'Choices', value: choices.join('\n') },
      { name: 'Votes', value: votes },
    ],
    color: COLORS[state],
    footer,
  };
  const text = [
    `🗳 ${p.title}`,
    ...(params.link ? [params.link] : []),
    `${status} · ${p.type} (${VOTING_TYPE_WORDS[p.type] ?? p.type})`,
    `${utcMinute(p.start)} → ${utcMinute(p.end)}`,
    ...(body ? ['', body] : []),
    '',
    ...choices,
    '',
    votes,
    footer,
  ].join('\n');
  return { text, card, ...(params.rows?.length ? { rows: params.rows } : {}), ...(params.chart ? { image: params.chart } : {}) };
}

/** What a post shows once its proposal is deleted (the hub removes it with its votes). */
export const deletedReply = (): Reply => ({
  text: '🗑 This proposal was deleted (by its author or the space’s moderators), with its votes.',
  card: { title: '🗑 Proposal deleted', description: 'Deleted by its author or the space’s moderators, with its votes.', color: 0x757575 },
  rows: [],
});

/** The message posted once when voting ends: the result, every choice's votes, and the chart. */
export function resultReply(p: ProposalRow, params: { chart: ChatImage; link?: string | undefined }): Reply {
  const leader = leaderOf(p);
  const votes = `${p.votes} vote${p.votes === 1 ? '' : 's'}, counted with Snapshot's ${p.type} rules`;
  return {
    card: {
      title: `🏁 Voting ended: ${p.title}`,
      ...(params.link ? { url: params.link } : {}),
      description: leader ? `Result: ${leader}` : 'Nobody voted.',
      fields: [
        { name: 'Choices', value: choiceLines(p).join('\n') },
        { name: 'Votes', value: votes },
      ],
      color: COLORS.closed,
      footer: `${p.space} · /proposal ${p.id}`,
    },
    text: [
      `🏁 Voting ended: ${p.title}`,
      leader ? `Result: ${leader}` : 'Nobody voted.',
      '',
      ...choiceLines(p),
      '',
      `${votes} · id ${shortId(p.id)}`,
      ...(params.link ? [params.link] : []),
    ].join('\n'),
    image: params.chart,
  };
}
