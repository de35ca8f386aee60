import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wallet } from '@ethersproject/wallet';
import { sql } from 'drizzle-orm';
import { formatEther, keccak256, parseAbi, parseEther, parseEventLogs, toHex, type Address, type Hex } from 'viem';
import { assetRegistryAbi } from '../contracts/bindings/AssetRegistry.ts';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { snapshotjs as snapshot } from '../governance/snapshotjs.ts';
import { tallyProposal } from '../governance/tally/tallyProposal.ts';
import { eventually, startTestRuntime, type TestRuntime } from './helpers/testRuntime.ts';

type Client = InstanceType<typeof snapshot.Client712>;
type Ok = { id: Hex; ipfs: string; relayer: { address: Address; receipt: Hex } };

const SPACE = 'caravan.eth';
const DOMAIN = { name: 'snapshot', version: '0.1.4' } as const;
// Snapshot's EIP-712 types (snapshot.js src/sign/types.ts), for envelopes crafted by hand.
const T = {
  vote: { Vote: [['from', 'string'], ['space', 'string'], ['timestamp', 'uint64'], ['proposal', 'string'], ['choice', 'uint32'], ['reason', 'string'], ['app', 'string'], ['metadata', 'string']] },
  proposal: {
    Proposal: [
      ['from', 'string'], ['space', 'string'], ['timestamp', 'uint64'], ['type', 'string'], ['title', 'string'], ['body', 'string'], ['discussion', 'string'],
      ['choices', 'string[]'], ['labels', 'string[]'], ['start', 'uint64'], ['end', 'uint64'], ['snapshot', 'uint64'], ['plugins', 'string'], ['privacy', 'string'], ['app', 'string'],
    ],
  },
  space: { Space: [['from', 'address'], ['space', 'string'], ['timestamp', 'uint64'], ['settings', 'string']] },
  follow: { Follow: [['from', 'address'], ['network', 'string'], ['space', 'string'], ['timestamp', 'uint64']] },
} as const;
const types = (t: Record<string, readonly (readonly [string, string])[]>) =>
  Object.fromEntries(Object.entries(t).map(([k, fields]) => [k, fields.map(([name, type]) => ({ name, type }))]));

const now = () => Math.floor(Date.now() / 1000);
const tokenAbi = parseAbi([
  'function transfer(address to, uint256 amount) returns (bool)',
  'function delegate(address delegatee)',
]);
const receiptsAbi = parseAbi(['function issue(address to, uint256 assetId, uint256 shares) returns (uint256)']);

/**
 * The hub's write side over HTTP, driven by Snapshot's own client: an unmodified snapshot.js
 * `Client712` with ethers v5 wallets posts every message type to `POST /hub` of the whole stack;
 * voting power comes from real receipts and tokens on anvil; tallies equal snapshot.js's voting
 * classes run here; crafted envelopes (viem's signTypedData) get each of the sequencer's refusals.
 */
describe('hub: Snapshot client against the real hub', () => {
  let rt: TestRuntime;
  let client: Client;
  let hubUrl: string;
  const controller = Wallet.createRandom();
  const voters = Array.from({ length: 4 }, () => Wallet.createRandom());
  const contributor = Wallet.createRandom();
  const aliasWallet = Wallet.createRandom();
  const stranger = Wallet.createRandom();
  const viemOf = (w: Wallet): PrivateKeyAccount => privateKeyToAccount(w.privateKey as Hex);
  /** Token votes each voter was given (whole tokens). */
  const tokens = [100n, 250n, 40n, 7n];
  let snapshotBlock: number;
  let strategies: Array<{ name: string; params: Record<string, unknown> }>;

  const post = async (body: unknown, path = '/hub') => {
    const res = await fetch(`${hubUrl.replace(/\/hub$/, '')}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const sign = async (account: PrivateKeyAccount, t: Record<string, readonly (readonly [string, string])[]>, message: Record<string, unknown>, over: { address?: string; domain?: object } = {}) => {
    const ty = types(t);
    const primaryType = Object.keys(ty)[0]!;
    const sig = await account.signTypedData({ domain: DOMAIN, types: ty, primaryType, message } as never);
    return { address: over.address ?? account.address, sig, data: { domain: over.domain ?? DOMAIN, types: ty, message } };
  };
  const refused = async (body: unknown, description: string, status = 400) => {
    const r = await post(body);
    expect(r, description).toEqual({ status, body: { error: 'client_error', error_description: description } });
  };
  const send = async (tx: { address: Address; abi: never; functionName: string; args: unknown[] }, from = rt.chain.account) => {
    const hash = await rt.chain.walletClient.writeContract({ ...tx, account: from } as never);
    const receipt = await rt.chain.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('success');
    return receipt;
  };
  const proposalMessage = (over: Record<string, unknown> = {}) => ({
    space: SPACE,
    type: 'single-choice',
    title: 'Fund the translation sprint',
    body: 'Pay translators from the treasury.',
    discussion: '',
    choices: ['Yes', 'No', 'Later'],
    labels: [],
    start: now() - 5,
    end: now() + 3600,
    snapshot: snapshotBlock,
    plugins: '{}',
    app: 'caravan',
    ...over,
  });

  beforeAll(async () => {
    rt = await startTestRuntime({}, { workers: false, bots: false });
    hubUrl = `${rt.url!.replace('localhost', '127.0.0.1')}/hub`;
    client = new snapshot.Client712(hubUrl);
    const { addresses } = rt.chain;
    // Voters get governance tokens from the operator and delegate them to themselves.
    for (const [i, v] of voters.entries()) {
      await rt.chain.publicClient.request({ method: 'anvil_setBalance' as never, params: [v.address, toHex(parseEther('1'))] as never });
      await send({ address: addresses.token!, abi: tokenAbi as never, functionName: 'transfer', args: [v.address, parseEther(String(tokens[i]))] });
      const account = viemOf(v);
      const hash = await rt.chain.walletClient.writeContract({ address: addresses.token!, abi: tokenAbi, functionName: 'delegate', args: [v.address as Address], account, chain: rt.chain.walletClient.chain });
      await rt.chain.publicClient.waitForTransactionReceipt({ hash });
    }
    // A contributor holds a receipt (receipts delegate to their holder on issue).
    const registered = await send({ address: addresses.assetRegistry, abi: assetRegistryAbi as never, functionName: 'registerAsset', args: [0, keccak256(toHex(`hub-test-${Date.now()}`)), 'caravan://hub-test', rt.chain.account.address, []] });
    const assetId = parseEventLogs({ abi: assetRegistryAbi, logs: registered.logs, eventName: 'AssetRegistered' })[0]!.args.assetId;
    await send({ address: addresses.receipts, abi: receiptsAbi as never, functionName: 'issue', args: [contributor.address, assetId, 10n] });
    snapshotBlock = Number(await rt.chain.publicClient.getBlockNumber({ cacheTime: 0 }));
    // Hand the default space to this test's controller wallet (the Foundation's key is not the test's to hold).
    await rt.database.db.execute(sql`update hub_spaces set controller = ${controller.address} where id = ${SPACE}`);
    const [space] = (await rt.database.db.execute<{ settings: { strategies: typeof strategies } }>(sql`select settings from hub_spaces where id = ${SPACE}`)).rows;
    strategies = space!.settings.strategies;
  });
  afterAll(async () => rt?.close());

  it('creates the default space on start: both strategies on this chain, controlled by the Foundation', async () => {
    const charterFoundation = await rt.chain.publicClient.readContract({
      address: rt.chain.addresses.handoverCharter!,
      abi: parseAbi(['function foundation() view returns (address)']),
      functionName: 'foundation',
    });
    const [row] = (await rt.database.db.execute<{ settings: Record<string, unknown> }>(sql`select settings from hub_spaces where id = ${SPACE}`)).rows;
    expect(row!.settings.network).toBe(String(rt.chain.chainId));
    expect(strategies.map((s) => s.name)).toEqual(['caravan-receipts', 'erc20-votes']);
    expect(strategies[0]!.params).toMatchObject({ address: rt.chain.addresses.receipts, governor: rt.chain.addresses.governor });
    expect(strategies[1]!.params.address).toBe(rt.chain.addresses.token);
    expect((row!.settings.admins as string[])[0]).toBe(charterFoundation);
    const info = await fetch(hubUrl).then((r) => r.json() as Promise<Record<string, unknown>>);
    expect(info).toMatchObject({ network: String(rt.chain.chainId), version: '0.1.4' });
  });

  it('takes space settings from the controller (and refuses a stranger)', async () => {
    const [row] = (await rt.database.db.execute<{ settings: Record<string, unknown> }>(sql`select settings from hub_spaces where id = ${SPACE}`)).rows;
    const settings = { ...row!.settings, about: 'Changed by Client712', admins: [controller.address], moderators: [voters[3]!.address] };
    const ok = (await client.space(controller, controller.address, { space: SPACE, settings: JSON.stringify(settings) })) as Ok;
    expect(ok.id).toMatch(/^0x[0-9a-f]{64}$/);
    expect(ok.ipfs).toMatch(/^bagu[a-z2-7]{57}$/);
    const info = await fetch(hubUrl).then((r) => r.json() as Promise<{ relayer: Address }>);
    expect(ok.relayer.address).toBe(info.relayer);
    const { verifyMessage } = await import('viem');
    expect(await verifyMessage({ address: ok.relayer.address, message: ok.id, signature: ok.relayer.receipt })).toBe(true);
    const [after] = (await rt.database.db.execute<{ about: string }>(sql`select settings->>'about' as about from hub_spaces where id = ${SPACE}`)).rows;
    expect(after!.about).toBe('Changed by Client712');
    await expect(client.space(stranger, stranger.address, { space: SPACE, settings: JSON.stringify(settings) })).rejects.toEqual({
      error: 'client_error',
      error_description: 'not allowed',
    });
  });

  const VOTES: Record<string, { proposal: Record<string, unknown>; voteType: string; choices: unknown[] }> = {
    'single-choice': { proposal: {}, voteType: 'single-choice', choices: [1, 2, 1, 3] },
    basic: { proposal: { choices: ['For', 'Against', 'Abstain'] }, voteType: 'basic', choices: [1, 2, 3, 1] },
    approval: { proposal: {}, voteType: 'approval', choices: [[1, 2], [2], [1, 3], [3]] },
    'ranked-choice': { proposal: {}, voteType: 'ranked-choice', choices: [[1, 2, 3], [2, 1, 3], [3, 1, 2], [1, 3, 2]] },
    // snapshot.js's client signs copeland with the ranked-choice (array) types.
    copeland: { proposal: {}, voteType: 'ranked-choice', choices: [[1, 2, 3], [3, 2, 1], [2, 3, 1], [1, 3, 2]] },
    quadratic: { proposal: {}, voteType: 'quadratic', choices: [{ 1: 4, 2: 1 }, { 2: 1 }, { 3: 9 }, { 1: 1, 3: 1 }] },
    weighted: { proposal: {}, voteType: 'weighted', choices: [{ 1: 1 }, { 1: 1, 2: 3 }, { 2: 2 }, { 3: 5 }] },
  };

  it.each(Object.keys(VOTES))('%s: a proposal, four votes with token power, a tally equal to snapshot.js', async (type) => {
    const spec = VOTES[type]!;
    const made = (await client.proposal(voters[0]!, voters[0]!.address, { ...proposalMessage({ type, title: `A ${type} proposal`, ...spec.proposal }) } as never)) as Ok;
    for (const [i, v] of voters.entries()) {
      const res = (await client.vote(v, v.address, { space: SPACE, proposal: made.id, type: spec.voteType as never, choice: spec.choices[i] as never, reason: `voter ${i}` })) as Ok;
      expect(res.id).toMatch(/^0x/);
    }
    // The runtime recounts after votes by itself (coalesced); then a count on demand gives the same.
    await eventually(async () => {
      const [r] = (await rt.database.db.execute<{ votes: number; scores: number[] }>(sql`select votes, scores from hub_proposals where id = ${made.id}`)).rows;
      return r!.votes === 4 && r!.scores.length > 0;
    }, 10_000, 'the runtime’s tally');
    const counted = await tallyProposal({ db: rt.database.db }, { proposal: made.id });
    const [p] = (await rt.database.db.execute<{ choices: string[]; scores: number[]; scores_total: string; votes: number }>(
      sql`select choices, scores, scores_total, votes from hub_proposals where id = ${made.id}`,
    )).rows;
    const votes = voters.map((_, i) => ({ choice: spec.choices[i], balance: Number(tokens[i]), scores: [0, Number(tokens[i])] }));
    const Voting = (snapshot.utils.voting as unknown as Record<string, new (...a: unknown[]) => { getScores(): number[]; getScoresByStrategy(): number[][]; getScoresTotal(): number }>)[type]!;
    const expected = new Voting({ choices: p!.choices }, votes, strategies);
    expect(p!.votes).toBe(4);
    expect(p!.scores).toEqual(expected.getScores());
    expect(counted.scoresByStrategy).toEqual(expected.getScoresByStrategy());
    expect(Number(p!.scores_total)).toBe(expected.getScoresTotal());
    // Exact voting power at the snapshot: token wei, no float.
    const [vote] = (await rt.database.db.execute<{ vp_exact: string }>(sql`select vp_exact from hub_votes where proposal = ${made.id} and voter = ${voters[1]!.address}`)).rows;
    expect(vote!.vp_exact).toBe(parseEther(String(tokens[1])).toString());
  });

  it('counts receipt votes for their holder, by the receipts strategy', async () => {
    const made = (await client.proposal(voters[0]!, voters[0]!.address, proposalMessage({ title: 'Receipts count' }) as never)) as Ok;
    await client.vote(contributor, contributor.address, { space: SPACE, proposal: made.id, type: 'single-choice', choice: 2 });
    const [v] = (await rt.database.db.execute<{ vp_by_strategy: number[]; vp_exact: string }>(
      sql`select vp_by_strategy, vp_exact from hub_votes where proposal = ${made.id}`,
    )).rows;
    // Exactly what the Governor counts for the receipt at that block (read once the block is in the past).
    await rt.chain.publicClient.request({ method: 'anvil_mine' as never, params: ['0x1'] as never });
    const onChain = await rt.chain.publicClient.readContract({
      address: rt.chain.addresses.governor!,
      abi: parseAbi(['function getReceiptVotes(address account, uint256 timepoint) view returns (uint256)']),
      functionName: 'getReceiptVotes',
      args: [contributor.address as Address, BigInt(snapshotBlock)],
    });
    expect(onChain).toBeGreaterThan(0n);
    expect(BigInt(v!.vp_exact)).toBe(onChain);
    expect(v!.vp_by_strategy[1]).toBe(0);
    expect(v!.vp_by_strategy[0]).toBe(Number(formatEther(onChain)));
    const [cached] = (await rt.database.db.execute<{ n: number }>(sql`select count(*)::int n from hub_vp_cache where proposal = ${made.id}`)).rows;
    expect(cached!.n).toBe(1);
  });

  it('re-votes: a later one replaces the earlier; an older one is refused', async () => {
    const made = (await client.proposal(voters[0]!, voters[0]!.address, proposalMessage({ title: 'Re-votes' }) as never)) as Ok;
    const v = voters[1]!;
    await client.vote(v, v.address, { space: SPACE, proposal: made.id, type: 'single-choice', choice: 1, timestamp: now() - 2 } as never);
    await client.vote(v, v.address, { space: SPACE, proposal: made.id, type: 'single-choice', choice: 2, timestamp: now() } as never);
    await expect(client.vote(v, v.address, { space: SPACE, proposal: made.id, type: 'single-choice', choice: 3, timestamp: now() - 3 } as never)).rejects.toEqual({
      error: 'client_error',
      error_description: 'already voted at later time',
    });
    const rows = (await rt.database.db.execute<{ choice: number }>(sql`select choice from hub_votes where proposal = ${made.id}`)).rows;
    expect(rows).toEqual([{ choice: 2 }]);
  });

  it('updates a proposal before it starts, then deletes it with its votes', async () => {
    const later = proposalMessage({ title: 'Not yet', start: now() + 3600, end: now() + 7200 });
    const made = (await client.proposal(voters[2]!, voters[2]!.address, later as never)) as Ok;
    await expect(
      client.updateProposal(voters[1]!, voters[1]!.address, { proposal: made.id, space: SPACE, type: 'single-choice', title: 'Hijack', body: '', discussion: '', choices: ['A'], labels: [], plugins: '{}' }),
    ).rejects.toEqual({ error: 'client_error', error_description: 'Not the author' });
    await client.updateProposal(voters[2]!, voters[2]!.address, {
      proposal: made.id,
      space: SPACE,
      type: 'approval',
      title: 'Not yet (edited)',
      body: 'Edited body',
      discussion: '',
      choices: ['A', 'B'],
      labels: [],
      plugins: '{}',
    });
    const [p] = (await rt.database.db.execute<{ title: string; type: string; choices: string[] }>(sql`select title, type, choices from hub_proposals where id = ${made.id}`)).rows;
    expect(p).toEqual({ title: 'Not yet (edited)', type: 'approval', choices: ['A', 'B'] });
    await expect(client.cancelProposal(voters[1]!, voters[1]!.address, { space: SPACE, proposal: made.id })).rejects.toEqual({
      error: 'client_error',
      error_description: 'not authorized to archive proposal',
    });
    await client.cancelProposal(voters[2]!, voters[2]!.address, { space: SPACE, proposal: made.id });
    const [gone] = (await rt.database.db.execute<{ n: number }>(sql`select count(*)::int n from hub_proposals where id = ${made.id}`)).rows;
    expect(gone!.n).toBe(0);
  });

  it('an alias votes for its owner (the owner’s power counts); a stranger’s key is `wrong alias`', async () => {
    const owner = voters[1]!;
    await client.alias(owner, owner.address, { alias: aliasWallet.address });
    const made = (await client.proposal(voters[0]!, voters[0]!.address, proposalMessage({ title: 'Alias votes' }) as never)) as Ok;
    await client.vote(aliasWallet, aliasWallet.address, { from: owner.address, space: SPACE, proposal: made.id, type: 'single-choice', choice: 3 });
    const rows = (await rt.database.db.execute<{ voter: string; vp_exact: string }>(sql`select voter, vp_exact from hub_votes where proposal = ${made.id}`)).rows;
    expect(rows).toEqual([{ voter: owner.address, vp_exact: parseEther(String(tokens[1])).toString() }]);
    await expect(client.vote(stranger, stranger.address, { from: voters[2]!.address, space: SPACE, proposal: made.id, type: 'single-choice', choice: 1 })).rejects.toEqual({
      error: 'client_error',
      error_description: 'wrong alias',
    });
    // An alias may not sign settings.
    await refused(await sign(viemOf(aliasWallet), T.space, { from: owner.address, space: SPACE, timestamp: now(), settings: '{}' }), 'alias not allowed for the type: settings');
    // A revoked alias signs nothing more.
    await rt.database.db.execute(sql`update hub_aliases set revoked_at = ${now()} where alias = ${aliasWallet.address}`);
    await expect(client.vote(aliasWallet, aliasWallet.address, { from: owner.address, space: SPACE, proposal: made.id, type: 'single-choice', choice: 1 })).rejects.toEqual({
      error: 'client_error',
      error_description: 'wrong alias',
    });
  });

  it('follow and unfollow', async () => {
    const v = voters[3]!;
    await client.follow(v, v.address, { space: SPACE, network: 's' });
    const count = async () => (await rt.database.db.execute<{ n: number }>(sql`select count(*)::int n from hub_follows where follower = ${v.address}`)).rows[0]!.n;
    expect(await count()).toBe(1);
    await client.unfollow(v, v.address, { space: SPACE, network: 's' });
    expect(await count()).toBe(0);
  });

  it('refuses crafted envelopes with the sequencer’s words', async () => {
    const v = viemOf(voters[0]!);
    const made = (await client.proposal(voters[0]!, voters[0]!.address, proposalMessage({ title: 'Errors' }) as never)) as Ok;
    const vote = (over: Record<string, unknown> = {}) => ({ from: v.address, space: SPACE, timestamp: now(), proposal: made.id, choice: 1, reason: '', app: '', metadata: '{}', ...over });
    const good = await sign(v, T.vote, vote());

    await refused({ ...good, address: good.address.toLowerCase() }, 'wrong envelope format');
    await refused({ ...good, extra: 1 }, 'wrong envelope format');
    await refused(await sign(v, T.vote, vote({ reason: 'x'.repeat(100_001) })), 'too large message');
    await refused(await sign(v, T.vote, vote({ timestamp: now() + 400 })), 'wrong timestamp');
    await refused(await sign(v, T.vote, vote({ timestamp: now() - 7 * 86_400 })), 'wrong timestamp');
    await refused(await sign(v, T.vote, vote(), { domain: { name: 'snapshot', version: '0.1.3' } }), 'wrong domain');
    await refused({ ...good, data: { ...good.data, types: { Vote: [...good.data.types.Vote!, { name: 'extra', type: 'string' }] } } }, 'wrong types');
    await refused(await sign(v, T.vote, vote({ space: 'nowhere.eth' })), 'unknown space');
    await refused({ ...good, sig: `${good.sig.slice(0, -4)}abcd` }, 'signature validation failed');
    await refused({ ...good, sig: good.sig.slice(0, 100) }, 'signature validation failed');
    await refused({ ...good, address: voters[1]!.address }, 'wrong alias');
    await refused(await sign(v, T.vote, vote({ metadata: JSON.stringify({ x: 'y'.repeat(2_000) }) })), 'too large metadata');
    await refused(await sign(v, T.vote, vote({ reason: 'r'.repeat(5_001) })), 'wrong vote format');
    await refused(await sign(v, T.vote, vote({ choice: 4 })), 'invalid choice');
    await refused(await sign(v, T.vote, vote({ proposal: `0x${'ab'.repeat(32)}` })), 'unknown proposal');
    await refused(await sign(viemOf(stranger), T.vote, vote({ from: stranger.address })), 'no voting power');
    const first = await post(good);
    expect(first.status).toBe(200);
    await refused(good, 'duplicate message');
    expect((await post(good, '/hub/api/msg')).body).toEqual({ error: 'client_error', error_description: 'duplicate message' });

    const future = (await client.proposal(voters[0]!, voters[0]!.address, proposalMessage({ title: 'Later', start: now() + 600, end: now() + 3600 }) as never)) as Ok;
    await refused(await sign(v, T.vote, vote({ proposal: future.id })), 'not in voting window');

    const proposal = (over: Record<string, unknown>) => sign(v, T.proposal, { from: v.address, timestamp: now(), privacy: '', ...proposalMessage(over) });
    await refused(await proposal({ title: '' }), 'wrong proposal format');
    await refused(await proposal({ title: 't'.repeat(257) }), 'wrong proposal format');
    await refused(await proposal({ choices: [] }), 'wrong proposal format');
    await refused(await proposal({ body: 'b'.repeat(10_001) }), 'wrong proposal format');
    await refused(await proposal({ type: 'basic', choices: ['a', 'b', 'c', 'd'] }), 'wrong choices for basic type voting');
    await refused(await proposal({ end: now() - 1, start: now() - 100 }), 'proposal end date must be in the future');
    await refused(await proposal({ snapshot: snapshotBlock + 1_000_000 }), 'proposal snapshot must be in past');

    await refused(await sign(viemOf(stranger), T.follow, { from: stranger.address, network: 's', space: SPACE, timestamp: now() }, { address: voters[2]!.address }), 'wrong alias');
    const bad = await post('not json at all');
    expect(bad).toEqual({ status: 400, body: { error: 'client_error', error_description: 'wrong envelope format' } });
  });

  it('50 concurrent identical posts store one message', async () => {
    const made = (await client.proposal(voters[0]!, voters[0]!.address, proposalMessage({ title: 'Concurrency' }) as never)) as Ok;
    const envelope = await sign(viemOf(voters[2]!), T.vote, { from: voters[2]!.address, space: SPACE, timestamp: now(), proposal: made.id, choice: 2, reason: '', app: '', metadata: '{}' });
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(envelope)));
    const ok = answers.filter((a) => a.status === 200);
    expect(ok).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 200)) {
      expect([400, 425]).toContain(a.status);
      expect(['duplicate message', 'request already being processed']).toContain(a.body.error_description);
    }
    const id = ok[0]!.body.id as string;
    const [m] = (await rt.database.db.execute<{ n: number }>(sql`select count(*)::int n from hub_messages where id = ${id}`)).rows;
    const [vv] = (await rt.database.db.execute<{ n: number }>(sql`select count(*)::int n from hub_votes where proposal = ${made.id}`)).rows;
    expect([m!.n, vv!.n]).toEqual([1, 1]);
  });
});
