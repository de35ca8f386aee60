import { and, asc, eq, gt, inArray, notExists, sql } from 'drizzle-orm';
import { createComponent } from '../../platform/chat/createComponent.ts';
import type { ReplyRow } from '../../platform/chat/reply.ts';
import { governancePosts, hubProposals } from '../../platform/db/schema.ts';
import type { ProposalRow } from '../hub/readProposal.ts';
import type { GovernanceChannel } from './channels.ts';
import { chartOf, postReply, proposalLink, shownKey, stateOf } from './proposalPost.ts';
import type { ChannelPostDeps } from './types.ts';
import { nowOf } from './types.ts';
import { voteRows } from './voteRows.ts';

export type PostProposalsParameters = {
  /** Only this proposal (after the hub accepted it); default: every proposal not yet posted. */
  proposal?: string | undefined;
  /** At most this many posts per call (default 20); the next pass takes the rest. */
  limit?: number | undefined;
};

/** What a post attempt came to. `lost`: a sender died mid-send on a transport that cannot drop a repeat, so it is not sent again. */
export type PostOutcome = 'posted' | 'already' | 'in_flight' | 'lost';

export type PostProposalsReturnType = { posted: number; skipped: number };

/** Transports whose edits replace a message's picture (Discord); elsewhere the chart goes with the final result only. */
const CHART_ON_POST: Record<string, boolean> = { discord: true };
/** Controls on a post work until voting ends, and a day more (a late press is answered by the hub's refusal). */
const controlTtlMs = (p: ProposalRow, now: number) => Math.max(60_000, (p.end - now) * 1000 + 86_400_000);
/** The idempotency key of a post: Discord drops a repeated send with it (its nonce). */
export const postKey = (proposal: string, channel: string) => `gov-post:${proposal}:${channel}`;

type Claimed = { previous: string; idle_ms: number | null; rows: ReplyRow[] | null };

/**
 * Posts each proposal of the space that is not over yet to every governance channel, once: its
 * card (status, times, choices, link), the vote controls of its type (the same actions /proposal
 * shows: `gov.vote`, `gov.choose`, `gov.form`) and, on Discord, its results chart. Proposals
 * come from the chat or from any Snapshot client posting to the hub. Each (proposal, channel)
 * is claimed in `governance_posts` before it is sent and marked with its message id after; a
 * claim left by a sender that died is taken over only where a repeat cannot show twice (Discord
 * drops a second send with the same nonce within its window); otherwise the post is marked
 * `lost` and not sent again.
 */
export async function postProposals(deps: ChannelPostDeps, params: PostProposalsParameters = {}): Promise<PostProposalsReturnType> {
  const now = nowOf(deps);
  let posted = 0;
  let skipped = 0;
  let failure: unknown;
  for (const channel of deps.channels) {
    const due = await deps.db
      .select()
      .from(hubProposals)
      .where(
        and(
          eq(hubProposals.space, deps.space),
          eq(hubProposals.deleted, 0),
          gt(hubProposals.end, now),
          params.proposal ? eq(hubProposals.id, params.proposal) : undefined,
          notExists(
            deps.db
              .select({ one: sql`1` })
              .from(governancePosts)
              .where(and(eq(governancePosts.proposal, hubProposals.id), eq(governancePosts.channel, channel.id), inArray(governancePosts.status, ['posted', 'lost']))),
          ),
        ),
      )
      .orderBy(asc(hubProposals.created))
      .limit(params.limit ?? 20);
    for (const p of due) {
      try {
        const outcome = await postProposal(deps, p, channel, now);
        if (outcome === 'posted') posted++;
        else skipped++;
      } catch (err) {
        // One proposal or channel that cannot be posted to holds up no other; the job tries again.
        failure ??= err;
        deps.log?.warn({ err, proposal: p.id, channel: channel.id }, 'could not post a proposal to a governance channel');
      }
    }
  }
  if (failure) throw failure;
  return { posted, skipped };
}

/** Posts one proposal to one channel, once (see `postProposals`). */
export async function postProposal(deps: ChannelPostDeps, p: ProposalRow, channel: GovernanceChannel, now: number): Promise<PostOutcome> {
  const { db } = deps;
  const lease = deps.claimLeaseSeconds ?? 15;
  const where = and(eq(governancePosts.proposal, p.id), eq(governancePosts.channel, channel.id));
  await db.insert(governancePosts).values({ proposal: p.id, channel: channel.id }).onConflictDoNothing();
  // The row is locked first, so `old` is the state this claim replaces, even under a race.
  const claimed = await db.execute<Claimed>(sql`
    with old as (select status, claimed_at from ${governancePosts} where ${where} for update)
    update ${governancePosts} g set status = 'sending', claimed_at = now(), attempts = g.attempts + 1
    from old
    where g.proposal = ${p.id} and g.channel = ${channel.id} and (old.status = 'pending' or
          (old.status = 'sending' and old.claimed_at < now() - make_interval(secs => ${lease})))
    returning old.status as previous, (extract(epoch from now() - old.claimed_at) * 1000)::float8 as idle_ms, g.rows`);
  const row = claimed.rows[0];
  if (!row) {
    const [current] = await db.select({ status: governancePosts.status }).from(governancePosts).where(where);
    return current?.status === 'sending' ? 'in_flight' : current?.status === 'lost' ? 'lost' : 'already';
  }
  if (row.previous === 'sending') {
    const window = deps.outbox.idempotentSendWindowMs?.(channel.target.transport) ?? 0;
    if (!(Number(row.idle_ms) < window)) {
      const error = `A sender stopped while posting this proposal, and posting it again on ${channel.target.transport} could show it twice.`;
      await db.update(governancePosts).set({ status: 'lost', claimedAt: null, error }).where(where);
      deps.log?.warn({ proposal: p.id, channel: channel.id }, 'governance post in doubt: not sent again');
      return 'lost';
    }
  }
  try {
    // The controls are made once per post and kept: a repeated attempt and every edit show the same ones.
    let rows = row.rows;
    if (!rows) {
      rows = stateOf(p, now) === 'closed' ? [] : await voteRows((action, data, ttlMs) => createComponent(deps, { action, data, ownerUserId: null, ttlMs }), p, controlTtlMs(p, now));
      await db.update(governancePosts).set({ rows }).where(where);
    }
    const state = stateOf(p, now);
    const reply = postReply(p, {
      now,
      rows,
      link: proposalLink(p, deps.proposalUrl),
      ...(CHART_ON_POST[channel.target.transport] ? { chart: chartOf(p, state) } : {}),
    });
    const messageId = await deps.outbox.send(channel.target, reply, { idempotencyKey: postKey(p.id, channel.id) });
    await db
      .update(governancePosts)
      .set({ status: 'posted', claimedAt: null, messageId, shown: shownKey(p, state), editedAt: new Date(), error: null })
      .where(where);
    deps.log?.info({ proposal: p.id, channel: channel.id, messageId }, 'posted a proposal to a governance channel');
    return 'posted';
  } catch (err) {
    await db
      .update(governancePosts)
      .set({ status: 'pending', claimedAt: null, error: String((err as Error).message ?? err) })
      .where(where);
    throw err;
  }
}

/** Whether posts show the chart on this transport. */
export const chartOnPost = (transport: string) => CHART_ON_POST[transport] === true;
