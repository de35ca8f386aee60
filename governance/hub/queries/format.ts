import type { hubFollows, hubProposals, hubSpaces, hubVotes } from '../../../platform/db/schema.ts';
import type { HubFollow, HubProposal, HubProposalState, HubSpace, HubStrategy, HubValidation, HubVote } from './types.ts';

type SpaceRow = typeof hubSpaces.$inferSelect;
type ProposalRow = typeof hubProposals.$inferSelect;
type VoteRow = typeof hubVotes.$inferSelect;
type FollowRow = typeof hubFollows.$inferSelect;

const record = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

const validationOf = (v: unknown): HubValidation => {
  const r = record(v);
  return typeof r.name === 'string' ? { name: r.name, params: record(r.params) } : { name: 'any', params: {} };
};

const strategiesOf = (v: unknown, network: string): HubStrategy[] =>
  (Array.isArray(v) ? v : []).map((s) => {
    const r = record(s);
    return { ...r, name: str(r.name), network: str(r.network, network), params: record(r.params) };
  });

/** A proposal's state at `now`: pending until its start, active until its end, then closed (snapshot-hub's rule). */
export function proposalState(start: number, end: number, now: number): HubProposalState {
  if (now > end) return 'closed';
  if (now > start) return 'active';
  return 'pending';
}

/** A space as snapshot-hub answers it: its settings with the same defaults. */
export function formatSpace(row: SpaceRow): HubSpace {
  const s = record(row.settings);
  const network = str(s.network);
  const filters = record(s.filters);
  const voting = record(s.voting);
  return {
    ...s,
    id: row.id,
    name: str(s.name),
    network,
    symbol: str(s.symbol),
    private: s.private === true,
    about: str(s.about),
    avatar: str(s.avatar),
    admins: strings(s.admins),
    members: strings(s.members),
    moderators: strings(s.moderators),
    categories: strings(s.categories),
    strategies: strategiesOf(s.strategies, network),
    plugins: record(s.plugins),
    filters: { minScore: num(filters.minScore) ?? 0, onlyMembers: filters.onlyMembers === true },
    voting: {
      delay: num(voting.delay) || null,
      period: num(voting.period) || null,
      type: typeof voting.type === 'string' && voting.type ? voting.type : null,
      quorum: num(voting.quorum) || null,
      blind: voting.blind === true,
      hideAbstain: voting.hideAbstain === true,
      privacy: str(voting.privacy),
      aliased: voting.aliased === true,
    },
    validation: validationOf(s.validation),
    voteValidation: validationOf(s.voteValidation),
    treasuries: Array.isArray(s.treasuries) ? s.treasuries : [],
    labels: Array.isArray(s.labels) ? s.labels : [],
    created: row.created,
    updated: row.updated,
  };
}

/** A proposal as snapshot-hub answers it; its state is computed at `now`. */
export function formatProposal(row: ProposalRow, now: number): HubProposal {
  return {
    id: row.id,
    ipfs: row.ipfs,
    author: row.author,
    created: row.created,
    updated: row.updated,
    space: row.space,
    network: row.network,
    symbol: row.symbol,
    type: row.type,
    strategies: strategiesOf(row.strategies, row.network),
    validation: validationOf(row.validation),
    plugins: record(row.plugins),
    title: row.title,
    body: row.body,
    discussion: row.discussion,
    choices: row.choices,
    labels: row.labels,
    start: row.start,
    end: row.end,
    quorum: Number(row.quorum),
    privacy: row.privacy,
    snapshot: String(row.snapshot),
    state: proposalState(row.start, row.end, now),
    app: row.app,
    scores: row.scores,
    scores_by_strategy: row.scoresByStrategy,
    scores_state: row.scoresState,
    scores_total: Number(row.scoresTotal),
    scores_updated: row.scoresUpdated,
    votes: row.votes,
  };
}

export function formatVote(row: VoteRow): HubVote {
  return {
    id: row.id,
    ipfs: row.ipfs,
    voter: row.voter,
    created: row.created,
    space: row.space,
    proposal: row.proposal,
    choice: row.choice,
    metadata: row.metadata,
    reason: row.reason,
    app: row.app,
    vp: Number(row.vp),
    vp_by_strategy: row.vpByStrategy,
    vp_state: row.vpState,
  };
}

export function formatFollow(row: FollowRow): HubFollow {
  return { id: row.id, ipfs: row.ipfs, follower: row.follower, space: row.space, network: row.network, created: row.created };
}
