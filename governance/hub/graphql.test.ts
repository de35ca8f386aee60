import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as snapshotModule from '@snapshot-labs/snapshot.js';
import { eq } from 'drizzle-orm';
import { formatUnits, getAddress } from 'viem';
import { caravanTokenAbi } from '../../contracts/bindings/CaravanToken.ts';
import { createDatabase, type Database } from '../../platform/db/client.ts';
import { hubAliases, hubFollows, hubMessages, hubProposals, hubSpaces, hubVotes, hubVpCache } from '../../platform/db/schema.ts';
import { createMigratedTestDatabase, createTestPlatform, startTestRuntime, type TestRuntime } from '../../test/helpers/testRuntime.ts';
import { createHubGraphql, type HubGraphql } from './graphql/createHubGraphql.ts';
import { chainVotingPower } from './queries/chainVotingPower.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read as JSON, field by field
type Json = any;

const NOW = 1_800_000_000;
const addr = (n: number) => getAddress(`0x${n.toString(16).padStart(40, '0')}`);
const ALICE = getAddress('0x7e5f4552091a69125d5dfcb7b8c2659029395bdf');
const BOB = getAddress('0x2b5ad5c4795c026514f8317c7a215e218dccd6cf');
const CAROL = getAddress('0x6813eb9362372eef6200f3b1dbc3f819671cba69');
const TOKEN = addr(0xcafe);

const settings = (name: string) => ({
  name,
  network: '31337',
  symbol: 'CVN',
  admins: [ALICE],
  strategies: [{ name: 'erc20-votes', params: { address: TOKEN, decimals: 18 } }],
  voting: { delay: 0, period: 3600, quorum: 0 },
  filters: { onlyMembers: false },
});

const proposalRow = (id: string, space: string, start: number, end: number, extra: Partial<typeof hubProposals.$inferInsert> = {}) => ({
  id,
  ipfs: `ipfs-${id}`,
  author: ALICE,
  created: start - 10,
  space,
  network: '31337',
  symbol: 'CVN',
  type: 'single-choice',
  strategies: [{ name: 'erc20-votes', params: { address: TOKEN, decimals: 18 } }],
  title: `Proposal ${id}`,
  body: 'body',
  choices: ['For', 'Against'],
  start,
  end,
  snapshot: 42,
  ...extra,
});

const voteRow = (id: string, voter: string, proposal: string, created: number, vp: number, space = 'caravan.eth') => ({
  id,
  ipfs: `ipfs-${id}`,
  voter,
  created,
  space,
  proposal,
  choice: 1,
  vpExact: (BigInt(vp) * 10n ** 18n).toString(),
  vp: String(vp),
  vpByStrategy: [vp],
});

/** Rows of every kind: live and deleted spaces, proposals in each state, votes, aliases (one revoked), follows, messages. */
async function seed(database: Database, t: number) {
  const { db } = database;
  await db.insert(hubSpaces).values([
    { id: 'caravan.eth', settings: settings('Caravan'), controller: ALICE, created: t - 1000, updated: t - 500 },
    { id: 'other.eth', settings: settings('Other'), controller: BOB, created: t - 900, updated: t - 900 },
    { id: 'gone.eth', settings: settings('Gone'), controller: BOB, created: t - 800, updated: t - 800, deleted: 1 },
  ]).onConflictDoNothing(); // a runtime has made its default space (caravan.eth) already: it is kept
  await db.insert(hubProposals).values([
    proposalRow('0xpending', 'caravan.eth', t + 100, t + 200),
    proposalRow('0xactive', 'caravan.eth', t - 100, t + 100, { votes: 3, scoresTotal: '60', scores: [50, 10] }),
    proposalRow('0xclosed', 'caravan.eth', t - 300, t - 200, { author: BOB }),
    proposalRow('0xother', 'other.eth', t - 50, t + 50),
    proposalRow('0xdeleted', 'caravan.eth', t - 50, t + 50, { deleted: 1 }),
    proposalRow('0xgonespace', 'gone.eth', t - 50, t + 50),
  ]);
  await db.insert(hubVotes).values([
    voteRow('0xv1', ALICE, '0xactive', t - 90, 30),
    voteRow('0xv2', BOB, '0xactive', t - 80, 20),
    voteRow('0xv3', CAROL, '0xactive', t - 70, 10),
    voteRow('0xv4', ALICE, '0xother', t - 40, 5, 'other.eth'),
    voteRow('0xv5', BOB, '0xgonespace', t - 40, 5, 'gone.eth'),
  ]);
  await db.insert(hubAliases).values([
    { id: '0xa1', ipfs: 'ipfs-a1', address: ALICE, alias: addr(0xa1), created: t - 10 },
    { id: '0xa2', ipfs: 'ipfs-a2', address: ALICE, alias: addr(0xa2), created: t - 5, revokedAt: t - 1 },
    { id: '0xa3', ipfs: 'ipfs-a3', address: BOB, alias: addr(0xa3), created: t - 40 * 86_400 },
  ]);
  await db.insert(hubFollows).values([
    { id: '0xf1', ipfs: 'ipfs-f1', follower: ALICE, space: 'caravan.eth', created: t - 20 },
    { id: '0xf2', ipfs: 'ipfs-f2', follower: BOB, space: 'caravan.eth', created: t - 10 },
    { id: '0xf3', ipfs: 'ipfs-f3', follower: BOB, space: 'gone.eth', created: t - 5 },
  ]);
  await db.insert(hubMessages).values(
    Array.from({ length: 6 }, (_, i) => ({
      id: `0xm${i}`,
      ipfs: `ipfs-m${i}`,
      address: i % 2 ? BOB : ALICE,
      version: '0.1.4',
      timestamp: t - 100 + i * 10,
      space: 'caravan.eth',
      type: i % 3 === 0 ? 'proposal' : 'vote',
      sig: '0x',
      receipt: '0x',
    })),
  );
  await db.insert(hubVpCache).values({
    proposal: '0xpending',
    voter: CAROL,
    vpExact: (15n * 10n ** 17n + 2n * 10n ** 18n).toString(),
    vpByStrategy: [(15n * 10n ** 17n).toString(), (2n * 10n ** 18n).toString()],
    created: t,
  });
}

describe('hub GraphQL (graphql-js over the hub tables)', () => {
  let database: Database;
  let close: () => Promise<void>;
  let hub: HubGraphql;
  const run = (query: string, variables?: Record<string, unknown>) => hub.run({ query, variables });
  const data = async (query: string, variables?: Record<string, unknown>) => {
    const a = await run(query, variables);
    expect(a.body.errors).toBeUndefined();
    expect(a.status).toBe(200);
    return a.body.data as Record<string, Json>;
  };

  beforeAll(async () => {
    ({ database, close } = await createMigratedTestDatabase());
    await seed(database, NOW);
    hub = createHubGraphql({ db: database.db, now: () => NOW, proposalUrl: (p) => `https://caravan.test/hub/${p.space}/${p.id}` });
  });
  afterAll(async () => close());

  it('space and spaces: settings with snapshot-hub defaults, deleted ones left out, id_in and ordering', async () => {
    const d = await data(`{
      space(id: "caravan.eth") { id name network symbol admins members private created
        strategies { name network params } filters { minScore onlyMembers } voting { delay period type quorum aliased } validation { name params } }
      gone: space(id: "gone.eth") { id }
      spaces(where: { id_in: ["caravan.eth", "other.eth", "gone.eth"] }, orderBy: "id", orderDirection: asc) { id }
    }`);
    expect(d.space).toEqual({
      id: 'caravan.eth',
      name: 'Caravan',
      network: '31337',
      symbol: 'CVN',
      admins: [ALICE],
      members: [],
      private: false,
      created: NOW - 1000,
      strategies: [{ name: 'erc20-votes', network: '31337', params: { address: TOKEN, decimals: 18 } }],
      filters: { minScore: 0, onlyMembers: false },
      voting: { delay: null, period: 3600, type: null, quorum: null, aliased: false },
      validation: { name: 'any', params: {} },
    });
    expect(d.gone).toBeNull();
    expect(d.spaces).toEqual([{ id: 'caravan.eth' }, { id: 'other.eth' }]);
    const byCreated = await data('{ spaces { id proposalsCount followersCount votesCount } }');
    expect(byCreated.spaces).toEqual([
      { id: 'other.eth', proposalsCount: 1, followersCount: 0, votesCount: 1 },
      { id: 'caravan.eth', proposalsCount: 3, followersCount: 2, votesCount: 3 },
    ]);
  });

  it('proposals: state by start and end against the clock, as a filter and a field', async () => {
    const q = (state: string) => data(`{ proposals(where: { space: "caravan.eth", state: "${state}" }) { id state } }`);
    expect((await q('pending')).proposals).toEqual([{ id: '0xpending', state: 'pending' }]);
    expect((await q('active')).proposals).toEqual([{ id: '0xactive', state: 'active' }]);
    expect((await q('closed')).proposals).toEqual([{ id: '0xclosed', state: 'closed' }]);
    // Any other state filters nothing; deleted proposals and proposals of deleted spaces never show.
    const all = await data('{ proposals(where: { state: "all" }, first: 100) { id } }');
    expect(all.proposals.map((p: { id: string }) => p.id).sort()).toEqual(['0xactive', '0xclosed', '0xother', '0xpending']);
  });

  it('proposals: _in, _not, _not_in, ranges, a lowercase author, nested space and link', async () => {
    const d = await data(`{
      inSpaces: proposals(where: { space_in: ["other.eth"] }) { id space { id name } link snapshot scores scores_total votes }
      notClosed: proposals(where: { id_not: "0xclosed", space: "caravan.eth" }, orderBy: "start", orderDirection: asc) { id }
      notIn: proposals(where: { id_not_in: ["0xclosed", "0xpending"] }, orderBy: "end", orderDirection: desc) { id }
      range: proposals(where: { start_gte: ${NOW - 100}, start_lt: ${NOW + 100} }, orderBy: "start", orderDirection: asc) { id }
      byAuthor: proposals(where: { author: "${BOB.toLowerCase()}" }) { id author }
    }`);
    expect(d.inSpaces).toEqual([
      { id: '0xother', space: { id: 'other.eth', name: 'Other' }, link: 'https://caravan.test/hub/other.eth/0xother', snapshot: '42', scores: [], scores_total: 0, votes: 0 },
    ]);
    expect(d.notClosed).toEqual([{ id: '0xactive' }, { id: '0xpending' }]);
    expect(d.notIn).toEqual([{ id: '0xactive' }, { id: '0xother' }]);
    expect(d.range).toEqual([{ id: '0xactive' }, { id: '0xother' }]);
    expect(d.byAuthor).toEqual([{ id: '0xclosed', author: BOB }]);
    const one = await data('{ proposal(id: "0xactive") { id title choices scores scores_total votes state } deleted: proposal(id: "0xdeleted") { id } }');
    expect(one.proposal).toEqual({ id: '0xactive', title: 'Proposal 0xactive', choices: ['For', 'Against'], scores: [50, 10], scores_total: 60, votes: 3, state: 'active' });
    expect(one.deleted).toBeNull();
  });

  it('pagination: first and skip walk the list without overlap, in a stable order', async () => {
    const pages = [];
    for (let skip = 0; skip < 6; skip += 2) {
      const d = await data('query Page($skip: Int) { messages(first: 2, skip: $skip, orderBy: "mci", orderDirection: asc) { mci id } }', { skip });
      pages.push(...d.messages);
    }
    expect(pages.map((m: { id: string }) => m.id)).toEqual(['0xm0', '0xm1', '0xm2', '0xm3', '0xm4', '0xm5']);
    const after = await data('{ messages(where: { mci_gt: 4, type: "vote" }, orderBy: "mci", orderDirection: asc) { id type } }');
    expect(after.messages).toEqual([{ id: '0xm4', type: 'vote' }, { id: '0xm5', type: 'vote' }]);
    const newest = await data('{ messages(first: 1) { id timestamp version } }');
    expect(newest.messages).toEqual([{ id: '0xm5', timestamp: NOW - 50, version: '0.1.4' }]);
  });

  it('votes: filters, orderBy vp, lowercase voters, nested proposal and space; votes in deleted spaces left out', async () => {
    const d = await data(`{
      byVp: votes(where: { proposal: "0xactive" }, orderBy: "vp", orderDirection: desc) { voter vp vp_by_strategy vp_state choice }
      voters: votes(where: { voter_in: ["${ALICE.toLowerCase()}", "${CAROL.toLowerCase()}"] }, orderBy: "created", orderDirection: asc) { id proposal { id title space { id } } space { id name } }
      strong: votes(where: { vp_gt: 10, created_lte: ${NOW - 80} }) { id }
      notIn: votes(where: { created_not_in: [${NOW - 90}], proposal_in: ["0xactive"] }) { id }
      all: votes(first: 1000) { id }
    }`);
    expect(d.byVp).toEqual([
      { voter: ALICE, vp: 30, vp_by_strategy: [30], vp_state: 'final', choice: 1 },
      { voter: BOB, vp: 20, vp_by_strategy: [20], vp_state: 'final', choice: 1 },
      { voter: CAROL, vp: 10, vp_by_strategy: [10], vp_state: 'final', choice: 1 },
    ]);
    expect(d.voters).toEqual([
      { id: '0xv1', proposal: { id: '0xactive', title: 'Proposal 0xactive', space: { id: 'caravan.eth' } }, space: { id: 'caravan.eth', name: 'Caravan' } },
      { id: '0xv3', proposal: { id: '0xactive', title: 'Proposal 0xactive', space: { id: 'caravan.eth' } }, space: { id: 'caravan.eth', name: 'Caravan' } },
      { id: '0xv4', proposal: { id: '0xother', title: 'Proposal 0xother', space: { id: 'other.eth' } }, space: { id: 'other.eth', name: 'Other' } },
    ]);
    expect(d.strong).toEqual([{ id: '0xv2' }, { id: '0xv1' }]);
    expect(d.notIn).toEqual([{ id: '0xv3' }, { id: '0xv2' }]);
    expect(d.all.map((v: { id: string }) => v.id).sort()).toEqual(['0xv1', '0xv2', '0xv3', '0xv4']);
    const one = await data('{ vote(id: "0xv2") { id voter created } missing: vote(id: "0xnone") { id } }');
    expect(one).toEqual({ vote: { id: '0xv2', voter: BOB, created: NOW - 80 }, missing: null });
  });

  it('nested spaces and proposals are loaded in one query per kind, not one per row', async () => {
    const spy = vi.spyOn(database.pool, 'query');
    try {
      const d = await data('{ votes(first: 1000) { id space { id } proposal { id space { id name } } } }');
      expect(d.votes).toHaveLength(4);
      // The votes, their proposals, their spaces (the proposals' spaces are the same ones, loaded once).
      expect(spy).toHaveBeenCalledTimes(3);
    } finally {
      spy.mockRestore();
    }
  });

  it('aliases leave revoked ones out (the check Snapshot clients make fails at once); follows carry their space', async () => {
    const d = await data(`{
      aliases(where: { address: "${ALICE}" }) { id address alias created }
      recent: aliases(where: { created_gt: ${NOW - 30 * 86_400} }) { id }
      follows(where: { follower_in: ["${ALICE}", "${BOB}"] }, orderDirection: asc) { id follower network space { id name } }
    }`);
    expect(d.aliases).toEqual([{ id: '0xa1', address: ALICE, alias: addr(0xa1), created: NOW - 10 }]);
    expect(d.recent).toEqual([{ id: '0xa1' }]);
    expect(d.follows).toEqual([
      { id: '0xf1', follower: ALICE, network: 's', space: { id: 'caravan.eth', name: 'Caravan' } },
      { id: '0xf2', follower: BOB, network: 's', space: { id: 'caravan.eth', name: 'Caravan' } },
    ]);
  });

  it('vp: the power a vote counted with, else the cached power; never a made-up number', async () => {
    const q = (voter: string, proposal: string) => run(`{ vp(voter: "${voter}", space: "caravan.eth", proposal: "${proposal}") { vp vp_by_strategy vp_state } }`);
    expect((await q(BOB.toLowerCase(), '0xactive')).body).toEqual({ data: { vp: { vp: 20, vp_by_strategy: [20], vp_state: 'final' } } });
    expect((await q(CAROL, '0xpending')).body).toEqual({ data: { vp: { vp: 3.5, vp_by_strategy: [1.5, 2], vp_state: 'final' } } });
    const missing = await q(ALICE, '0xpending');
    expect(missing.status).toBe(200);
    expect(missing.body.data).toEqual({ vp: null });
    expect(missing.body.errors?.map((e) => e.message)).toEqual(['voting power not found']);
    expect((await q(ALICE, '0xnone')).body.errors?.[0]?.message).toBe('proposal not found');
    expect((await q('0x0000000000000000000000000000000000000000', '0xactive')).body.errors?.[0]?.message).toBe('invalid address');
    expect((await q('not-an-address', '0xactive')).body.errors?.[0]?.message).toBe('invalid address');
    const bySpace = await run(`{ vp(voter: "${ALICE}", space: "caravan.eth") { vp } }`);
    expect(bySpace.body.errors?.[0]?.message).toBe('voting power not found');
    expect((await run(`{ vp(voter: "${ALICE}", space: "nowhere.eth") { vp } }`)).body.errors?.[0]?.message).toBe('space not found');

    // With the strategies' reader, what nothing stored is computed by it (here a recording stand-in).
    const asked: unknown[] = [];
    const computing = createHubGraphql({
      db: database.db,
      now: () => NOW,
      computeVp: async (p) => {
        asked.push({ voter: p.voter, space: p.space?.id ?? null, proposal: p.proposal?.id ?? null, snapshot: p.proposal?.snapshot ?? null });
        return { vp: 7, vp_by_strategy: [7], vp_state: 'final' };
      },
    });
    const computed = await computing.run({ query: `{ a: vp(voter: "${ALICE.toLowerCase()}", space: "caravan.eth", proposal: "0xpending") { vp } b: vp(voter: "${ALICE}", space: "caravan.eth") { vp } }` });
    expect(computed.body).toEqual({ data: { a: { vp: 7 }, b: { vp: 7 } } });
    expect(asked).toHaveLength(2);
    expect(asked).toEqual(
      expect.arrayContaining([
        { voter: ALICE, space: null, proposal: '0xpending', snapshot: '42' },
        { voter: ALICE, space: 'caravan.eth', proposal: null, snapshot: null },
      ]),
    );
  });

  it('limits: first over 1000 and skip over 5000 refused with the hub\'s words; negative ones too', async () => {
    const over = await run('{ proposals(first: 1001) { id } }');
    expect(over.status).toBe(200);
    expect(over.body).toMatchObject({ data: { proposals: null }, errors: [{ message: 'The `first` argument must not be greater than 1000', path: ['proposals'] }] });
    expect((await run('{ votes(skip: 5001) { id } }')).body.errors?.[0]?.message).toBe('The `skip` argument must not be greater than 5000');
    expect((await run('{ votes(first: -1) { id } }')).body.errors?.[0]?.message).toBe('The `first` argument must not be negative');
    expect((await data('{ votes(first: 1000, skip: 5000) { id } }')).votes).toEqual([]);
    const ids = Array.from({ length: 10_001 }, (_, i) => `0x${i}`);
    expect((await run('query Q($ids: [String]) { votes(where: { id_in: $ids }) { id } }', { ids })).body.errors?.[0]?.message).toBe(
      'The `id_in` argument must not be greater than 10000',
    );
  });

  it('bad requests answer as graphql-js does: 400 with errors for syntax, unknown fields, bad variables, absurd sizes', async () => {
    const syntax = await run('{ proposals { id ');
    expect(syntax.status).toBe(400);
    expect(syntax.body.data).toBeUndefined();
    expect(syntax.body.errors?.[0]?.message).toMatch(/^Syntax Error: /);
    expect(syntax.body.errors?.[0]?.locations).toBeDefined();

    const unknown = await run('{ proposals { id nope } }');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors?.[0]?.message).toMatch(/^Cannot query field "nope" on type "Proposal"\./);
    expect((await run('{ proposals(where: { bogus: 1 }) { id } }')).body.errors?.[0]?.message).toMatch(/"bogus" is not defined by type "ProposalWhere"/);
    expect((await run('mutation { x }')).status).toBe(400);

    const badVar = await run('query Q($n: Int) { votes(first: $n) { id } }', { n: 'many' });
    expect(badVar.status).toBe(400);
    expect(badVar.body.errors?.[0]?.message).toMatch(/Variable "\$n" got invalid value "many"/);
    expect((await hub.run({ query: '' })).body).toEqual({ errors: [{ message: 'Must provide query string.' }] });
    expect((await hub.run({ query: '{ votes { id } }', variables: [1] })).status).toBe(400);

    const deep = await run('{ votes { proposal { space { strategies { params } } } } }');
    expect(deep.status).toBe(200);

    const wide = await run(`{ ${Array.from({ length: 6 }, (_, i) => `a${i}: votes { id }`).join(' ')} }`);
    expect(wide.status).toBe(400);
    expect(wide.body.errors?.[0]?.message).toBe('Query has 6 root fields; at most 5 are allowed.');

    // A fragment spread repeatedly multiplies fields: counted expanded, refused before any SQL.
    const fragments = `fragment V on Vote { id voter created choice reason app vp vp_state ipfs metadata }
      { votes { ...V ...V proposal { id } } a: votes { ...V } }`;
    expect((await run(fragments)).status).toBe(200);
    const many = Array.from({ length: 60 }, (_, i) => `f${i}: id`).join(' ');
    const tooWide = await run(`fragment V on Vote { ${many} } { a: votes { ...V } b: votes { ...V } c: votes { ...V } d: votes { ...V } e: votes { ...V a2: proposal { id } } }`);
    expect(tooWide.status).toBe(200);
    const huge = Array.from({ length: 120 }, (_, i) => `f${i}: id`).join(' ');
    const refused = await run(`fragment V on Vote { ${huge} } { a: votes { ...V } b: votes { ...V } c: votes { ...V } d: votes { ...V } e: votes { ...V } }`);
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.message).toBe('Query selects 605 fields; at most 500 are allowed.');

    const tokens = await run(`{ votes(where: { id_in: [${'1 '.repeat(6000)}] }) { id } }`);
    expect(tokens.status).toBe(400);
    expect(tokens.body.errors?.[0]?.message).toMatch(/^Syntax Error: Document contains more tha[nt] 5000 tokens\. Parsing aborted\.$/);
    const long = await run(`{ votes { id } } # ${'x'.repeat(20_000)}`);
    expect(long.status).toBe(400);
    expect(long.body.errors?.[0]?.message).toBe('Query is 20019 characters long; at most 20000 are allowed.');
  });

  it('depth: a query nested deeper than the limit is refused, fragments expanded', async () => {
    const strict = createHubGraphql({ db: database.db, limits: { maxDepth: 4 } });
    const deep = await strict.run({ query: '{ votes { proposal { space { id } } } }' });
    expect(deep.status).toBe(200);
    const deeper = await strict.run({ query: 'fragment P on Proposal { space { strategies { name } } } { votes { proposal { ...P } } }' });
    expect(deeper.status).toBe(400);
    expect(deeper.body.errors?.[0]?.message).toBe('Query is 5 levels deep; at most 4 are allowed.');
    // Introspection is answered from memory and not measured.
    const schema = await strict.run({ query: '{ __schema { queryType { fields { name args { name type { name ofType { name } } } } } } }' });
    expect(schema.status).toBe(200);
    const names = (schema.body.data as Json).__schema.queryType.fields.map((f: { name: string }) => f.name);
    expect(names).toEqual(['space', 'spaces', 'proposal', 'proposals', 'vote', 'votes', 'aliases', 'follows', 'vp', 'messages']);
  });

  it('a failing database is answered "request failed", nothing internal', async () => {
    const broken = createDatabase('postgres://nobody:nothing@127.0.0.1:1/none', { max: 1 });
    try {
      const errors: unknown[] = [];
      const failing = createHubGraphql({ db: broken.db, log: { error: (o: unknown) => errors.push(o) } as never });
      const a = await failing.run({ query: '{ proposals { id } }' });
      expect(a.status).toBe(200);
      expect(a.body).toMatchObject({ data: { proposals: null }, errors: [{ message: 'request failed', path: ['proposals'] }] });
      expect(JSON.stringify(a.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
      expect(errors).toHaveLength(1);
    } finally {
      await broken.close();
    }
  });
});

describe('vp computed through the strategies on the chain (anvil)', () => {
  let platform: Awaited<ReturnType<typeof createTestPlatform>>;
  beforeAll(async () => {
    platform = await createTestPlatform();
  });
  afterAll(async () => platform?.close());

  it('reads the voter\'s votes at the proposal\'s snapshot block, caches them, and answers the latest block for a space', async () => {
    const { database, chain } = platform;
    const token = chain.addresses.token!;
    const voter = chain.account.address;
    const hash = await chain.walletClient.writeContract({ address: token, abi: caravanTokenAbi, functionName: 'delegate', args: [voter] });
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
    const balance = await chain.publicClient.readContract({ address: token, abi: caravanTokenAbi, functionName: 'balanceOf', args: [voter] });
    expect(balance).toBeGreaterThan(0n);
    const strategies = [{ name: 'erc20-votes', params: { address: token, decimals: 18 } }];
    await database.db.insert(hubSpaces).values({ id: 'chain.eth', settings: { ...settings('Chain'), strategies }, controller: voter, created: NOW, updated: NOW });
    await database.db.insert(hubProposals).values(proposalRow('0xchain', 'chain.eth', NOW - 10, NOW + 10, { strategies, snapshot: Number(receipt.blockNumber) }));

    const hub = createHubGraphql({ db: database.db, now: () => NOW, computeVp: chainVotingPower({ db: database.db, publicClient: chain.publicClient, now: () => NOW }) });
    const expected = Number(formatUnits(balance, 18));
    const a = await hub.run({ query: `{ vp(voter: "${voter.toLowerCase()}", space: "chain.eth", proposal: "0xchain") { vp vp_by_strategy vp_state } }` });
    expect(a.body).toEqual({ data: { vp: { vp: expected, vp_by_strategy: [expected], vp_state: 'final' } } });
    const cached = await database.db.select().from(hubVpCache);
    expect(cached).toEqual([{ proposal: '0xchain', voter, vpExact: balance.toString(), vpByStrategy: [balance.toString()], created: NOW }]);
    // Once cached, the hub answers without the chain.
    const offline = createHubGraphql({ db: database.db, now: () => NOW });
    expect((await offline.run({ query: `{ vp(voter: "${voter}", space: "chain.eth", proposal: "0xchain") { vp } }` })).body).toEqual({ data: { vp: { vp: expected } } });

    const latest = await hub.run({ query: `{ vp(voter: "${voter}", space: "chain.eth") { vp vp_state } }` });
    expect(latest.body).toEqual({ data: { vp: { vp: expected, vp_state: 'pending' } } });
  });
});

/** snapshot.js's default export, unwrapped from its CommonJS build. */
const snapshotjs = (() => {
  const m = (snapshotModule as unknown as { default: { default?: unknown } }).default;
  return (m.default ?? m) as { utils: { subgraphRequest(url: string, query: unknown, options?: unknown): Promise<Json> } };
})();

describe('POST /hub/graphql through the API', () => {
  let rt: TestRuntime;

  beforeAll(async () => {
    rt = await startTestRuntime({ ENGINE: '0' }, { workers: false });
    await seed(rt.database, Math.floor(Date.now() / 1000));
  });
  afterAll(async () => rt?.close());

  it('answers POST and GET as snapshot-hub does, and snapshot.js reads it with its own GraphQL helper', async () => {
    const url = `${rt.url}/hub/graphql`;
    const post = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query P($space: String) { proposals(where: { space: $space }, orderBy: "created", orderDirection: asc) { id space { id } } }', variables: { space: 'other.eth' } }),
    });
    expect(post.status).toBe(200);
    expect(post.headers.get('content-type')).toMatch(/application\/json/);
    expect(post.headers.get('access-control-allow-origin')).toBe('*');
    const preflight = await fetch(url, { method: 'OPTIONS', headers: { origin: 'https://example.org', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(await post.json()).toEqual({ data: { proposals: [{ id: '0xother', space: { id: 'other.eth' } }] } });

    const get = await fetch(`${url}?query=${encodeURIComponent('query V($p: String) { votes(where: { proposal: $p }, orderBy: "vp") { voter } }')}&variables=${encodeURIComponent(JSON.stringify({ p: '0xactive' }))}`);
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ data: { votes: [{ voter: ALICE }, { voter: BOB }, { voter: CAROL }] } });

    const syntax = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ votes {' }) });
    expect(syntax.status).toBe(400);
    expect((await syntax.json()).errors[0].message).toMatch(/^Syntax Error/);
    const malformed = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ errors: [{ message: 'POST body sent invalid JSON.' }] });
    const badVariables = await fetch(`${url}?query=${encodeURIComponent('{ votes { id } }')}&variables=%7B`);
    expect(badVariables.status).toBe(400);

    // The runtime wires the strategies: voting power nothing stored is read from the chain (and cached).
    const [own] = await rt.database.db.select().from(hubSpaces).where(eq(hubSpaces.id, rt.config.SNAPSHOT_SPACE));
    const head = Number(await rt.chain.publicClient.getBlockNumber());
    await rt.database.db.insert(hubProposals).values(proposalRow('0xreal', own!.id, head, head + 100, { strategies: own!.settings.strategies as unknown[], snapshot: head }));
    const stranger = addr(0xbeef);
    const power = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ vp(voter: "${stranger}", space: "${own!.id}", proposal: "0xreal") { vp vp_by_strategy vp_state } }` }),
    });
    const vpAnswer = await power.json();
    expect(vpAnswer.errors).toBeUndefined();
    expect(vpAnswer.data.vp).toMatchObject({ vp: 0, vp_state: 'final' });
    expect(vpAnswer.data.vp.vp_by_strategy).toHaveLength((own!.settings.strategies as unknown[]).length);
    expect(await rt.database.db.select().from(hubVpCache).where(eq(hubVpCache.proposal, '0xreal'))).toHaveLength(1);

    // snapshot.js's subgraphRequest (json-to-graphql-query) against this hub, as against hub.snapshot.org.
    const read = await snapshotjs.utils.subgraphRequest(url, {
      proposals: { __args: { first: 10, where: { space_in: ['caravan.eth'], state: 'active' } }, id: true, state: true, scores_total: true },
      // (json-to-graphql-query writes strings quoted: `orderDirection` is an enum, on snapshot-hub too, so it is left at desc.)
      votes: { __args: { first: 1000, where: { proposal: '0xactive', vp_gte: 20 }, orderBy: 'vp' }, voter: true, vp: true },
    });
    expect(read).toEqual({
      proposals: [{ id: '0xactive', state: 'active', scores_total: 60 }],
      votes: [
        { voter: ALICE, vp: 30 },
        { voter: BOB, vp: 20 },
      ],
    });
    await expect(snapshotjs.utils.subgraphRequest(url, { votes: { __args: { first: 1001 }, id: true } })).rejects.toThrow(
      /The `first` argument must not be greater than 1000/,
    );
  });
});
