import { inArray, sql } from 'drizzle-orm';
import type { Hex } from 'viem';
import { isUniqueViolation } from '../../platform/db/client.ts';
import { hubMessages, hubProposals, hubVotes } from '../../platform/db/schema.ts';
import { HubMessageError } from './errors.ts';
import type { HubDeps, MessageContext } from './types.ts';
import type { CheckedVote } from './writers/vote.ts';

/** A vote past its signature, waiting to be written: its checks' outcome, decided before its id is known to be new. */
export type VoteEntry = {
  ctx: MessageContext & { ipfs: string };
  /** The relayer's receipt over the id (stored with the message). */
  receipt: Hex;
  /** The checked vote, or the refusal its checks ended in (given only when the id is new: `duplicate message` comes first). */
  checked: { ok: true; vote: CheckedVote } | { ok: false; error: unknown };
};

export type VoteOutcome = { ok: true } | { ok: false; error: unknown };

/** Something another writer changed between this batch's reads and its writes: the batch is redone one vote at a time. */
class BatchConflict extends Error {
  constructor(readonly what: 'message' | 'vote') {
    super(`vote batch conflict on ${what}`);
  }
}

const refusal = (description: string): VoteOutcome => ({ ok: false, error: new HubMessageError(description) });
const keyOf = (proposal: string, voter: string) => `${proposal}|${voter}`;

/**
 * Writes votes in one transaction — one commit for many — deciding each exactly as writing them one
 * at a time in this order would (the sequencer's rules):
 *
 * 1. a message id already stored, or accepted earlier in the batch, is `duplicate message`;
 * 2. otherwise a vote whose checks failed gets that refusal;
 * 3. a proposal deleted since the checks is `unknown proposal` (its row is locked `FOR KEY SHARE`
 *    until the commit, so a delete-proposal waits and removes these votes with the others);
 * 4. against the voter's stored vote on the proposal, or the one accepted earlier in the batch, a
 *    vote replaces it when its timestamp is later (ties: the greater id, byte order) — else
 *    `already voted at later time` / `already voted same time with lower index`.
 *
 * Every accepted vote's message row is inserted (in order, one multi-row insert), and each
 * (proposal, voter)'s last accepted vote is upserted. A transaction-level advisory lock per
 * (proposal, voter), taken in a fixed order, keeps another process's batch from changing those
 * rows between the reads and the writes. Should the writes still find something unexpected (an
 * identical message stored meanwhile by a writer outside this scheme), or the transaction fail,
 * nothing of it is kept and the votes are written again one per transaction, where a failure is
 * that vote's alone. Accepted votes are announced (`onVote`) after the commit.
 *
 * @returns one outcome per entry, in order; never throws.
 */
export async function writeVotes(deps: HubDeps, entries: VoteEntry[]): Promise<VoteOutcome[]> {
  let outcomes: VoteOutcome[];
  try {
    outcomes = await deps.db.transaction((tx) => decideAndWrite(tx, entries));
  } catch (err) {
    if (entries.length > 1) {
      deps.log?.warn({ err, votes: entries.length }, 'hub: vote batch redone one vote at a time');
      const one: VoteOutcome[] = [];
      for (const entry of entries) one.push(...(await writeVotes(deps, [entry])));
      return one;
    }
    if (err instanceof HubMessageError) return [{ ok: false, error: err }];
    if ((err instanceof BatchConflict && err.what === 'message') || isUniqueViolation(err)) return [refusal('duplicate message')];
    return [{ ok: false, error: new HubMessageError('failed', { status: 500, cause: err }) }];
  }
  entries.forEach((e, i) => {
    if (!outcomes[i]!.ok) return;
    deps.onVote?.(e.ctx.votePayload!.proposal);
    deps.log?.debug({ type: 'vote', space: e.ctx.message.space, address: e.ctx.envelope.address, id: `${e.ctx.id.slice(0, 9)}…` }, 'hub: new message');
  });
  return outcomes;
}

type Tx = Parameters<Parameters<HubDeps['db']['transaction']>[0]>[0];

async function decideAndWrite(tx: Tx, entries: VoteEntry[]): Promise<VoteOutcome[]> {
  const checked = entries.filter((e) => e.checked.ok);
  const keys = [...new Set(checked.map((e) => keyOf(e.ctx.votePayload!.proposal, e.ctx.from)))];
  if (keys.length)
    await tx.execute(
      sql`select pg_advisory_xact_lock(k) from (select distinct hashtextextended(x, 0) as k from unnest(${sql.param(keys)}::text[]) as x order by 1) as s`,
    );
  const ids = [...new Set(entries.map((e) => e.ctx.id))];
  const stored = new Set((await tx.select({ id: hubMessages.id }).from(hubMessages).where(inArray(hubMessages.id, ids))).map((r) => r.id));
  const proposalIds = [...new Set(checked.map((e) => e.ctx.votePayload!.proposal))];
  const live = new Set(
    proposalIds.length ? (await tx.select({ id: hubProposals.id }).from(hubProposals).where(inArray(hubProposals.id, proposalIds)).for('key share')).map((r) => r.id) : [],
  );
  const current = new Map<string, { id: string; created: number }>();
  if (keys.length) {
    const proposals = sql.param(checked.map((e) => e.ctx.votePayload!.proposal));
    const voters = sql.param(checked.map((e) => e.ctx.from));
    const rows = await tx
      .select({ proposal: hubVotes.proposal, voter: hubVotes.voter, id: hubVotes.id, created: hubVotes.created })
      .from(hubVotes)
      .where(sql`(${hubVotes.proposal}, ${hubVotes.voter}) in (select * from unnest(${proposals}::text[], ${voters}::text[]))`);
    for (const r of rows) current.set(keyOf(r.proposal, r.voter), { id: r.id, created: r.created });
  }

  const accepted: VoteEntry[] = [];
  const acceptedIds = new Set<string>();
  const last = new Map<string, VoteEntry>();
  const outcomes = entries.map((e): VoteOutcome => {
    const { id, timestamp } = e.ctx;
    if (stored.has(id) || acceptedIds.has(id)) return refusal('duplicate message');
    if (!e.checked.ok) return { ok: false, error: e.checked.error };
    if (!live.has(e.ctx.votePayload!.proposal)) return refusal('unknown proposal');
    const key = keyOf(e.ctx.votePayload!.proposal, e.ctx.from);
    const earlier = current.get(key);
    // PostgreSQL's `collate "C"` on lowercase hex ids is JavaScript's string order.
    if (earlier && !(timestamp > earlier.created || (timestamp === earlier.created && id > earlier.id)))
      return refusal(earlier.created > timestamp ? 'already voted at later time' : 'already voted same time with lower index');
    current.set(key, { id, created: timestamp });
    accepted.push(e);
    acceptedIds.add(id);
    last.set(key, e);
    return { ok: true };
  });
  if (!accepted.length) return outcomes;

  // Multi-row writes with one array parameter per column (however many votes), rows in arrival order.
  const col = <T>(rows: T[], pick: (r: T) => unknown, type: string) => sql`${sql.param(rows.map(pick))}::${sql.raw(type)}[]`;
  const { rows: messages } = await tx.execute<{ id: string }>(sql`
    insert into ${hubMessages} (id, ipfs, address, version, timestamp, space, type, sig, receipt)
    select * from unnest(${sql.join(
      [
        col(accepted, (e) => e.ctx.id, 'text'),
        col(accepted, (e) => e.ctx.ipfs, 'text'),
        col(accepted, (e) => e.ctx.envelope.address, 'text'),
        col(accepted, (e) => e.ctx.envelope.data.domain.version, 'text'),
        col(accepted, (e) => e.ctx.timestamp, 'bigint'),
        col(accepted, (e) => e.ctx.message.space ?? '', 'text'),
        col(accepted, () => 'vote', 'text'),
        col(accepted, (e) => e.ctx.envelope.sig, 'text'),
        col(accepted, (e) => e.receipt, 'text'),
      ],
      sql`, `,
    )})
    on conflict do nothing
    returning id`);
  if (messages.length !== accepted.length) throw new BatchConflict('message');

  const winners = [...last.values()].map((e) => {
    const { payload, proposal, vp } = (e.checked as { ok: true; vote: CheckedVote }).vote;
    return {
      id: e.ctx.id,
      ipfs: e.ctx.ipfs,
      voter: e.ctx.from,
      created: e.ctx.timestamp,
      space: proposal.space,
      proposal: proposal.id,
      choice: payload.choice,
      metadata: payload.metadata,
      reason: payload.reason,
      app: payload.app,
      vpExact: vp.vpExact.toString(),
      vp: String(vp.vp),
      vpByStrategy: vp.vpByStrategy,
      vpState: 'final',
    };
  });
  const json = (v: unknown) => JSON.stringify(v);
  const { rows: votes } = await tx.execute<{ id: string }>(sql`
    insert into ${hubVotes} (id, ipfs, voter, created, space, proposal, choice, metadata, reason, app, vp_exact, vp, vp_by_strategy, vp_state)
    select * from unnest(${sql.join(
      [
        col(winners, (w) => w.id, 'text'),
        col(winners, (w) => w.ipfs, 'text'),
        col(winners, (w) => w.voter, 'text'),
        col(winners, (w) => w.created, 'bigint'),
        col(winners, (w) => w.space, 'text'),
        col(winners, (w) => w.proposal, 'text'),
        col(winners, (w) => json(w.choice), 'jsonb'),
        col(winners, (w) => json(w.metadata), 'jsonb'),
        col(winners, (w) => w.reason, 'text'),
        col(winners, (w) => w.app, 'text'),
        col(winners, (w) => w.vpExact, 'numeric'),
        col(winners, (w) => w.vp, 'numeric'),
        col(winners, (w) => json(w.vpByStrategy), 'jsonb'),
        col(winners, (w) => w.vpState, 'text'),
      ],
      sql`, `,
    )})
    on conflict (proposal, voter) do update set
      id = excluded.id, ipfs = excluded.ipfs, created = excluded.created, choice = excluded.choice, metadata = excluded.metadata,
      reason = excluded.reason, app = excluded.app, vp_exact = excluded.vp_exact, vp = excluded.vp, vp_by_strategy = excluded.vp_by_strategy,
      vp_state = excluded.vp_state
    where ${hubVotes.created} < excluded.created or (${hubVotes.created} = excluded.created and excluded.id collate "C" > ${hubVotes.id} collate "C")
    returning id`);
  if (votes.length !== winners.length) throw new BatchConflict('vote');
  return outcomes;
}
