import { and, eq, isNull, sql } from 'drizzle-orm';
import { createComponent } from '../../platform/chat/createComponent.ts';
import type { ReplyRow } from '../../platform/chat/reply.ts';
import { governancePosts, hubProposals } from '../../platform/db/schema.ts';
import { deliverOnce } from '../../platform/notifications/deliverOnce.ts';
import { BaseError } from '../../platform/errors.ts';
import type { ProposalRow } from '../hub/readProposal.ts';
import { tallyProposal } from '../tally/tallyProposal.ts';
import type { GovernanceChannel } from './channels.ts';
import { chartOnPost } from './postProposals.ts';
import { chartOf, deletedReply, postReply, proposalLink, resultReply, shownKey, stateOf, updatedSince } from './proposalPost.ts';
import type { ChannelPostDeps } from './types.ts';
import { nowOf } from './types.ts';
import { voteRows } from './voteRows.ts';

export type RefreshPostsParameters = {
  /** Only this proposal's posts (after a vote); default: every post not yet closed. */
  proposal?: string | undefined;
};

export type RefreshPostsReturnType = {
  edited: number;
  closed: number;
  /** Milliseconds until a post that changed may be edited again (the edit interval); absent when none waits. */
  waitMs?: number | undefined;
};

/** The idempotency key of a proposal's final result in a channel. */
export const resultKey = (proposal: string, channel: string) => `gov-result:${proposal}:${channel}`;

type PostRow = typeof governancePosts.$inferSelect;

/**
 * Brings the posts of the governance channels up to date. While voting is open, a post whose
 * proposal's standing changed (votes, scores, an update before voting starts) is edited with the
 * new standing, its controls and, on Discord, a new results chart, at most once per
 * `editIntervalMs` per post: votes in between are shown together by the next edit
 * (`waitMs` says when). Once voting has ended, the votes are counted a last time (snapshot.js's
 * classes, as the hub's tally), the post is edited to its closed state without controls, and
 * the final result with its chart is posted once per channel (`deliverOnce`, key
 * `gov-result:<proposal>:<channel>`). A post whose proposal was deleted says so and closes.
 */
export async function refreshPosts(deps: ChannelPostDeps, params: RefreshPostsParameters = {}): Promise<RefreshPostsReturnType> {
  const now = nowOf(deps);
  const posts = await deps.db
    .select()
    .from(governancePosts)
    .where(and(eq(governancePosts.status, 'posted'), isNull(governancePosts.closedAt), params.proposal ? eq(governancePosts.proposal, params.proposal) : undefined));
  const result: RefreshPostsReturnType = { edited: 0, closed: 0 };
  const counted = new Set<string>();
  let failure: unknown;
  for (const post of posts) {
    const channel = deps.channels.find((c) => c.id === post.channel);
    if (!channel || !post.messageId) continue; // a channel no longer configured keeps its last state
    try {
      await refreshPost(deps, { post, channel, now, counted, result });
    } catch (err) {
      // One post that cannot be edited (deleted by a moderator, a lost permission) holds up no other.
      failure ??= err;
      deps.log?.warn({ err, proposal: post.proposal, channel: post.channel }, 'could not update a governance post');
      await deps.db
        .update(governancePosts)
        .set({ error: String((err as Error).message ?? err) })
        .where(and(eq(governancePosts.proposal, post.proposal), eq(governancePosts.channel, post.channel)));
    }
  }
  if (failure) throw failure;
  return result;
}

/** Updates or closes one post (see `refreshPosts`). */
async function refreshPost(
  deps: ChannelPostDeps,
  { post, channel, now, counted, result }: { post: PostRow; channel: GovernanceChannel; now: number; counted: Set<string>; result: RefreshPostsReturnType },
): Promise<void> {
  const target = { ...channel.target, messageId: post.messageId! };
  const where = and(eq(governancePosts.proposal, post.proposal), eq(governancePosts.channel, post.channel));
  let [p] = await deps.db.select().from(hubProposals).where(eq(hubProposals.id, post.proposal));
  if (!p) {
    await deps.outbox.edit(target, deletedReply());
    await deps.db.update(governancePosts).set({ closedAt: new Date(), shown: 'deleted', editedAt: new Date() }).where(where);
    result.closed++;
    return;
  }
  const state = stateOf(p, now);
  if (state === 'closed') {
    // The final count, once per proposal per pass: every vote is in (votes after the end are refused).
    if (!counted.has(p.id)) {
      await tallyProposal(deps, { proposal: p.id, now });
      counted.add(p.id);
      [p] = await deps.db.select().from(hubProposals).where(eq(hubProposals.id, post.proposal));
    }
    await closePost(deps, p!, channel, post, now);
    result.closed++;
    return;
  }
  const shown = shownKey(p, state);
  if (shown === post.shown) return;
  // Claims this post's edit slot: at most one edit per interval, whoever asks.
  const slot = await deps.db.execute<{ edited_at: Date | null }>(sql`
    update ${governancePosts} set edited_at = now()
    where ${where} and (edited_at is null or edited_at <= now() - make_interval(secs => ${deps.editIntervalMs / 1000}))
    returning edited_at`);
  if (!slot.rows.length) {
    const [row] = await deps.db
      .select({ leftMs: sql<number>`greatest(0, extract(epoch from ${governancePosts.editedAt} + make_interval(secs => ${deps.editIntervalMs / 1000}) - now()) * 1000)::float8` })
      .from(governancePosts)
      .where(where);
    const wait = Math.ceil(Number(row?.leftMs ?? deps.editIntervalMs)) + 50;
    result.waitMs = Math.min(result.waitMs ?? wait, wait);
    return;
  }
  let rows = (post.rows ?? []) as ReplyRow[];
  if (updatedSince(post.shown, p)) {
    // The author changed the proposal before voting started: controls for its choices now.
    rows = await voteRows((action, data, ttlMs) => createComponent(deps, { action, data, ownerUserId: null, ttlMs }), p, Math.max(60_000, (p.end - now) * 1000 + 86_400_000));
    await deps.db.update(governancePosts).set({ rows }).where(where);
  }
  try {
    await deps.outbox.edit(
      target,
      postReply(p, { now, rows, link: proposalLink(p, deps.proposalUrl), ...(chartOnPost(channel.target.transport) ? { chart: chartOf(p, state) } : {}) }),
    );
  } catch (err) {
    if (!isPermanent(err)) throw err;
    // Refused for good (the message was deleted, the bot lost access): not tried again until the standing changes.
    await deps.db.update(governancePosts).set({ shown, error: String((err as Error).message ?? err) }).where(where);
    deps.log?.warn({ err, proposal: p.id, channel: channel.id }, 'a governance post cannot be edited');
    return;
  }
  await deps.db.update(governancePosts).set({ shown, error: null }).where(where);
  result.edited++;
}

/** Edits a post to its closed state (final standing and chart, no controls) and posts the result once. */
async function closePost(deps: ChannelPostDeps, p: ProposalRow, channel: GovernanceChannel, post: PostRow, now: number) {
  const where = and(eq(governancePosts.proposal, post.proposal), eq(governancePosts.channel, post.channel));
  const chart = chartOf(p, 'closed');
  const link = proposalLink(p, deps.proposalUrl);
  try {
    await deps.outbox.edit({ ...channel.target, messageId: post.messageId! }, postReply(p, { now, link, ...(chartOnPost(channel.target.transport) ? { chart } : {}) }));
  } catch (err) {
    // A post that can no longer be edited (deleted, no access) does not keep the result from being posted.
    if (!isPermanent(err)) throw err;
    deps.log?.warn({ err, proposal: p.id, channel: channel.id }, 'a governance post cannot be closed; posting the result anyway');
  }
  await deliverOnce(deps, { key: resultKey(p.id, channel.id), target: channel.target, reply: resultReply(p, { chart, link }) });
  await deps.db.update(governancePosts).set({ closedAt: new Date(), shown: shownKey(p, 'closed'), editedAt: new Date() }).where(where);
  deps.log?.info({ proposal: p.id, channel: channel.id }, 'posted the final result of a proposal');
}

/** An error the transport says retrying cannot fix (Discord's 4xx answers, Telegram's refusals). */
const isPermanent = (err: unknown) => err instanceof BaseError && !err.retryable;
