import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray } from 'drizzle-orm';
import type { Address } from 'viem';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { createTestPlatform } from '../../test/helpers/testRuntime.ts';
import type { Database } from '../../platform/db/client.ts';
import type { ChainDeps } from '../../platform/chain/clients.ts';
import { hubMessages, hubProposals, hubSpaces, hubVotes, hubVpCache } from '../../platform/db/schema.ts';
import { defaultSpaceSettings } from './ensureSpace.ts';
import { HubMessageError } from './errors.ts';
import { receiveMessage } from './receiveMessage.ts';
import { createVoteQueue, type VoteQueue } from './voteQueue.ts';
import { writeVotes, type VoteEntry } from './writeVotes.ts';
import type { HubDeps } from './types.ts';

const DOMAIN = { name: 'snapshot', version: '0.1.4' } as const;
const f = (fields: Array<[string, string]>) => fields.map(([name, type]) => ({ name, type }));
const VOTE = f([['from', 'string'], ['space', 'string'], ['timestamp', 'uint64'], ['proposal', 'string'], ['choice', 'uint32'], ['reason', 'string'], ['app', 'string'], ['metadata', 'string']]);
const CANCEL = f([['from', 'address'], ['space', 'string'], ['timestamp', 'uint64'], ['proposal', 'string']]);
const SPACE = 'batch.eth';
const now = () => Math.floor(Date.now() / 1000);
const pick = <T>(xs: readonly T[]) => xs[crypto.randomInt(xs.length)]!;

const describeOutcome = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (e: unknown) => (e instanceof HubMessageError ? e.description : `unexpected: ${String(e)}`),
  );

/** Group commit (writeVotes, createVoteQueue): the same decisions as one vote at a time, and nothing lost. */
describe('batched votes', () => {
  let database: Database;
  let chain: ChainDeps;
  let close: () => Promise<void>;
  let base: HubDeps;
  const author = privateKeyToAccount(generatePrivateKey());
  const voters: PrivateKeyAccount[] = Array.from({ length: 50 }, () => privateKeyToAccount(generatePrivateKey()));
  let proposals = 0;

  const sign = async (by: PrivateKeyAccount, message: Record<string, unknown>, types = { Vote: VOTE }, primaryType = 'Vote') => {
    const sig = await by.signTypedData({ domain: DOMAIN, types, primaryType, message } as never);
    return { address: by.address, sig, data: { domain: DOMAIN, types, message } };
  };
  const voteBody = (by: PrivateKeyAccount, proposal: string, over: Record<string, unknown> = {}) =>
    sign(by, { from: by.address, space: SPACE, timestamp: now(), proposal, choice: 1, reason: '', app: '', metadata: '{}', ...over });

  /** A proposal open now, every voter holding voting power on it. */
  const newProposal = async () => {
    const id = `0x${crypto.randomBytes(32).toString('hex')}`;
    const t = now();
    await database.db.insert(hubProposals).values({
      id, ipfs: 'test', author: author.address, created: t, space: SPACE, network: String(chain.chainId), symbol: 'VOTE', type: 'single-choice',
      strategies: [], title: `Batch ${++proposals}`, body: '', choices: ['A', 'B', 'C'], start: t - 600, end: t + 3600, snapshot: 1,
    });
    await database.db.insert(hubVpCache).values(voters.map((v, i) => ({ proposal: id, voter: v.address, vpExact: String(BigInt(i + 1) * 10n ** 18n), vpByStrategy: [String(BigInt(i + 1) * 10n ** 18n)], created: t })));
    return id;
  };

  /** Runs bodies through receiveMessage up to the write, and returns the entries it would have written. */
  const entriesFor = async (bodies: unknown[]) => {
    const recorded: VoteEntry[] = [];
    const recorder: VoteQueue = { submit: async (_d, e) => void recorded.push(e), close: async () => {} };
    for (const body of bodies) await receiveMessage({ ...base, voteQueue: recorder }, structuredClone(body));
    return recorded;
  };
  /** Deps whose log keeps the warnings (a batch redone one vote at a time says so). */
  const watched = () => {
    const warnings: string[] = [];
    const log = { warn: (_o: unknown, msg: string) => warnings.push(msg), debug: () => {}, info: () => {}, error: () => {} };
    return { deps: { ...base, log: log as never } as HubDeps, warnings };
  };
  const outcomeText = (o: Awaited<ReturnType<typeof writeVotes>>[number]) => (o.ok ? 'accepted' : o.error instanceof HubMessageError ? o.error.description : String(o.error));
  const storedState = async (proposal: string, ids: string[]) => ({
    votes: (await database.db.select({ voter: hubVotes.voter, id: hubVotes.id, created: hubVotes.created, choice: hubVotes.choice }).from(hubVotes).where(eq(hubVotes.proposal, proposal))).sort((a, b) =>
      a.voter.localeCompare(b.voter),
    ),
    messages: (await database.db.select({ id: hubMessages.id }).from(hubMessages).where(inArray(hubMessages.id, ids))).map((r) => r.id).sort(),
  });
  const forget = async (proposal: string, ids: string[]) => {
    await database.db.delete(hubVotes).where(eq(hubVotes.proposal, proposal));
    await database.db.delete(hubMessages).where(inArray(hubMessages.id, ids));
  };

  beforeAll(async () => {
    ({ database, chain, close } = await createTestPlatform());
    base = { db: database.db, chain, relayer: privateKeyToAccount(generatePrivateKey()), defaultController: author.address };
    const settings = defaultSpaceSettings({ chainId: chain.chainId, receipts: chain.addresses.receipts, token: chain.addresses.token as Address, receiptWeight: 1n, controller: author.address });
    await database.db.insert(hubSpaces).values({ id: SPACE, settings, controller: author.address, created: now(), updated: now() });
  });
  afterAll(async () => close?.());

  it('200 votes from 50 voters, re-votes, ties, duplicates and refusals: batches decide exactly as one at a time', async () => {
    const proposal = await newProposal();
    const t = now();
    const bodies: unknown[] = [];
    for (let i = 0; i < 200; i++) {
      const by = voters[i % 50]!;
      // Few distinct timestamps, so later, earlier and same-second re-votes (ties by id) all happen.
      const body = await voteBody(by, proposal, { timestamp: t - crypto.randomInt(4), choice: i % 23 === 0 ? 9 : 1 + crypto.randomInt(3), reason: `r${crypto.randomInt(3)}` });
      bodies.push(body);
      if (i % 17 === 0) bodies.push(structuredClone(body)); // the same message again
    }
    const entries = await entriesFor(bodies);
    expect(entries.length).toBe(bodies.length);
    const ids = [...new Set(entries.map((e) => e.ctx.id))];

    // One at a time, in order: the reference.
    const sequential: string[] = [];
    for (const e of entries) sequential.push(outcomeText((await writeVotes(base, [e]))[0]!));
    const reference = await storedState(proposal, ids);
    await forget(proposal, ids);

    // The first 30 one at a time (rows already stored), the rest in batches of uneven sizes.
    const batched: string[] = [];
    const { deps, warnings } = watched();
    for (const e of entries.slice(0, 30)) batched.push(outcomeText((await writeVotes(deps, [e]))[0]!));
    for (let i = 30; i < entries.length; ) {
      const size = pick([1, 7, 40, 90]);
      batched.push(...(await writeVotes(deps, entries.slice(i, i + size))).map(outcomeText));
      i += size;
    }
    expect(batched).toEqual(sequential);
    expect(warnings).toEqual([]); // decided in batches, never redone one at a time
    expect(await storedState(proposal, ids)).toEqual(reference);
    // The run exercised every rule.
    for (const rule of ['accepted', 'duplicate message', 'invalid choice', 'already voted at later time']) expect(sequential).toContain(rule);
    expect(reference.votes).toHaveLength(50);
  });

  it('200 concurrent votes through the queue: every answer true to what is stored, the latest vote of each voter stands', async () => {
    const proposal = await newProposal();
    const queue = createVoteQueue({ maxBatch: 64 });
    const deps = { ...base, voteQueue: queue };
    const t = now();
    const bodies = await Promise.all(Array.from({ length: 200 }, (_, i) => voteBody(voters[i % 50]!, proposal, { timestamp: t - crypto.randomInt(5), choice: 1 + crypto.randomInt(3) })));
    const answers = await Promise.all(bodies.map((b) => describeOutcome(receiveMessage(deps, structuredClone(b)))));
    await queue.close();
    const { hashTypedData } = await import('viem');
    const idOf = (b: (typeof bodies)[number]) => hashTypedData({ domain: DOMAIN, types: b.data.types, primaryType: 'Vote', message: b.data.message } as never);
    const accepted = bodies.filter((_, i) => answers[i] === 'accepted').map(idOf);
    // Same voter, second and choice twice is the same message: `duplicate message`.
    for (const a of answers) expect(['accepted', 'already voted at later time', 'already voted same time with lower index', 'duplicate message']).toContain(a);
    const stored = await storedState(proposal, bodies.map(idOf));
    // Accepted ⇔ its message is stored.
    expect(stored.messages).toEqual([...new Set(accepted)].sort());
    // Each voter's stored vote is its latest (timestamp, then id) of all it sent.
    for (const v of voters) {
      const mine = bodies.filter((b) => b.address === v.address).map((b) => ({ id: idOf(b), created: b.data.message.timestamp as number }));
      const latest = mine.sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1)).at(-1)!;
      expect(stored.votes.find((r) => r.voter === v.address)).toMatchObject({ id: latest.id, created: latest.created });
    }
  });

  it('a vote that fails in the database fails alone: the rest of its batch is stored', async () => {
    const proposal = await newProposal();
    // PostgreSQL refuses a NUL in text: this vote passes every check and fails on insert (a 500, as before batching).
    const bodies = [
      await voteBody(voters[0]!, proposal),
      await voteBody(voters[1]!, proposal, { reason: 'nul \u0000 here' }),
      await voteBody(voters[2]!, proposal),
      await voteBody(voters[3]!, proposal, { choice: 7 }),
    ];
    const entries = await entriesFor(bodies);
    const { deps, warnings } = watched();
    const outcomes = await writeVotes(deps, entries);
    expect(outcomes.map(outcomeText)).toEqual(['accepted', 'failed', 'accepted', 'invalid choice']);
    expect(warnings).toEqual(['hub: vote batch redone one vote at a time']);
    expect((outcomes[1] as { error: HubMessageError }).error.status).toBe(500);
    const stored = await database.db.select({ voter: hubVotes.voter }).from(hubVotes).where(eq(hubVotes.proposal, proposal));
    expect(stored.map((r) => r.voter).sort()).toEqual([voters[0]!.address, voters[2]!.address].sort());
  });

  it('stores the message and the vote row as the sequencer builds them', async () => {
    const proposal = await newProposal();
    const by = voters[9]!;
    const body = await voteBody(by, proposal, { choice: 3, reason: 'because', app: 'My App', metadata: '{"a":[1,"x"]}' });
    const receipt = await receiveMessage({ ...base, voteQueue: createVoteQueue() }, structuredClone(body));
    const [vote] = await database.db.select().from(hubVotes).where(eq(hubVotes.id, receipt.id));
    expect(vote).toMatchObject({
      ipfs: receipt.ipfs, voter: by.address, created: body.data.message.timestamp, space: SPACE, proposal, choice: 3, metadata: { a: [1, 'x'] },
      reason: 'because', app: 'my-app', vpExact: '10000000000000000000', vp: '10', vpByStrategy: [10], vpState: 'final',
    });
    const [message] = await database.db.select().from(hubMessages).where(eq(hubMessages.id, receipt.id));
    expect(message).toMatchObject({ ipfs: receipt.ipfs, address: by.address, version: '0.1.4', timestamp: body.data.message.timestamp, space: SPACE, type: 'vote', sig: body.sig, receipt: receipt.relayer.receipt });
  });

  it('50 concurrent identical posts through the queue store one vote and one message', async () => {
    const proposal = await newProposal();
    const queue = createVoteQueue();
    const body = await voteBody(voters[5]!, proposal, { choice: 2 });
    const answers = await Promise.all(Array.from({ length: 50 }, () => describeOutcome(receiveMessage({ ...base, voteQueue: queue }, structuredClone(body)))));
    await queue.close();
    expect(answers.filter((a) => a === 'accepted')).toHaveLength(1);
    expect(answers.filter((a) => a === 'duplicate message')).toHaveLength(49);
    expect(await database.db.$count(hubVotes, eq(hubVotes.proposal, proposal))).toBe(1);
    expect(await database.db.$count(hubMessages, and(eq(hubMessages.type, 'vote'), eq(hubMessages.address, voters[5]!.address), eq(hubMessages.space, SPACE)))).toBeGreaterThanOrEqual(1);
  });

  it('a proposal deleted in this process refuses votes at once, though it was cached', async () => {
    const proposal = await newProposal();
    const deps = { ...base, voteQueue: createVoteQueue() };
    expect(await describeOutcome(receiveMessage(deps, await voteBody(voters[0]!, proposal)))).toBe('accepted');
    const cancel = await sign(author, { from: author.address, space: SPACE, timestamp: now(), proposal }, { CancelProposal: CANCEL } as never, 'CancelProposal');
    expect(await describeOutcome(receiveMessage(deps, cancel))).toBe('accepted');
    expect(await describeOutcome(receiveMessage(deps, await voteBody(voters[1]!, proposal)))).toBe('unknown proposal');
    expect(await database.db.$count(hubVotes, eq(hubVotes.proposal, proposal))).toBe(0);
    await deps.voteQueue.close();
  });

  it('a proposal deleted by another writer after the checks: the batch stores none of its votes', async () => {
    const proposal = await newProposal();
    const entries = await entriesFor([await voteBody(voters[0]!, proposal), await voteBody(voters[1]!, proposal)]);
    await database.db.delete(hubProposals).where(eq(hubProposals.id, proposal));
    expect((await writeVotes(base, entries)).map(outcomeText)).toEqual(['unknown proposal', 'unknown proposal']);
    expect(await database.db.$count(hubVotes, eq(hubVotes.proposal, proposal))).toBe(0);
  });

  it('closing the queue waits for every vote it took; later votes are refused, nothing half-written', async () => {
    const proposal = await newProposal();
    const queue = createVoteQueue({ maxBatch: 8 });
    const deps = { ...base, voteQueue: queue };
    const bodies = await Promise.all(voters.slice(0, 30).map((v) => voteBody(v, proposal)));
    const entries = await entriesFor(bodies);
    await forget(proposal, entries.map((e) => e.ctx.id));
    const pending = entries.map((e) => describeOutcome(queue.submit(deps, e)));
    await queue.close();
    // Every caller already has its answer when close resolves.
    const settled = await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(() => r('pending'), 0))]);
    expect(settled).toEqual(entries.map(() => 'accepted'));
    expect(await database.db.$count(hubVotes, eq(hubVotes.proposal, proposal))).toBe(30);
    expect(await describeOutcome(receiveMessage(deps, await voteBody(voters[40]!, proposal)))).toBe('the hub is shutting down');
    expect(await database.db.$count(hubVotes, and(eq(hubVotes.proposal, proposal), eq(hubVotes.voter, voters[40]!.address)))).toBe(0);
  });
});
