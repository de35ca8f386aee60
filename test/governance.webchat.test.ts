import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { hubProposals, hubVotes } from '../platform/db/schema.ts';
import { snapshotjs } from '../governance/snapshotjs.ts';
import { eventually, startTestRuntime, type TestRuntime } from './helpers/testRuntime.ts';
import { webChat, type WebChat, type WebMsg } from './helpers/webChat.ts';

/**
 * Voting from the web chat through the hub in the same process: a contributor whose accepted
 * dataset gave them a receipt (receipts carry votes) sees their voting power, starts proposals of
 * several types with a form, and votes with buttons, a multi-select and a form; someone without
 * receipts is refused by the hub ("no voting power"); a second vote replaces the first; the stored
 * scores equal snapshot.js's own tally of the stored votes.
 */
describe('governance in the web chat', () => {
  let rt: TestRuntime;
  let alice: WebChat;
  let bob: WebChat;

  beforeAll(async () => {
    rt = await startTestRuntime({ ENGINE: '0' });
    alice = webChat(rt.url!);
    bob = webChat(rt.url!);
  });
  afterAll(async () => {
    await rt?.close();
  });

  const proposalIdOf = (m: WebMsg) => {
    const short = /id (0x[0-9a-f]{8})…/.exec(m.text)?.[1];
    if (!short) throw new Error(`no proposal id in: ${m.text}`);
    return short;
  };
  const propose = async (fields: Record<string, string>) => {
    const form = await alice.say('/proposal new');
    expect(form.text).toContain('New proposal');
    const card = await alice.submit(form, fields);
    expect(card.text).toContain('✅ Proposal created');
    return card;
  };
  const proposalRow = async (short: string) => {
    const rows = await rt.database.db.select().from(hubProposals);
    return rows.find((p) => p.id.startsWith(short))!;
  };
  /** The scores snapshot.js computes from the stored votes. */
  const recount = async (id: string) => {
    const p = (await rt.database.db.select().from(hubProposals).where(eq(hubProposals.id, id)))[0]!;
    const votes = await rt.database.db.select().from(hubVotes).where(eq(hubVotes.proposal, id));
    const Voting = snapshotjs.utils.voting[p.type as keyof typeof snapshotjs.utils.voting] as unknown as new (
      proposal: unknown,
      votes: unknown[],
      strategies: unknown[],
    ) => { getScores(): number[] };
    return new Voting(
      { choices: p.choices },
      votes.map((v) => ({ choice: v.choice, balance: Number(v.vp), scores: v.vpByStrategy })),
      p.strategies,
    ).getScores();
  };

  it('gives a contributor voting power through their receipt', async () => {
    expect((await alice.upload('charter.csv', 'term,meaning\nquorum,the votes a proposal needs\n')).status).toBe(202);
    await alice.press(await alice.waitFor((m) => m.text.startsWith('Who may build assistants on charter.csv'), { what: 'access question' }), 'Open');
    await alice.waitFor((m) => m.text.startsWith('✅ Dataset'), { timeoutMs: 30_000, what: 'receipt' });
    const vp = await eventually(async () => {
      const r = await alice.say('/vp');
      return Number(/now: ([\d,.e+-]+)/.exec(r.text)?.[1]?.replace(/,/g, '')) > 0 ? r : undefined;
    }, 20_000, 'voting power');
    expect(vp.text).toMatch(/caravan-receipts: [\d.]+/);
    expect((await bob.say('/vp')).text).toContain('now: 0');
  }, 60_000);

  it('starts a single-choice proposal and votes with its buttons; no voting power is refused by the hub', async () => {
    const card = await propose({ title: 'Lower the platform fee to 4 %', choices: 'Yes\nNo', body: 'The fee pays for gas.', type: 'single-choice', duration: '2h' });
    const short = proposalIdOf(card);
    const voted = await alice.press(card, 'Yes');
    expect(Number(/✅ Your vote is in, with ([\d,.e+-]+) votes/.exec(voted.text)?.[1]?.replace(/,/g, ''))).toBeGreaterThan(0);

    // Bob has no receipts: the hub refuses his signed vote.
    const bobCard = await bob.say(`/proposal ${(await proposalRow(short)).id}`);
    const refused = await bob.press(bobCard, 'No');
    expect(refused.text).toContain('no voting power');

    // Alice changes her mind, often within the same second: one vote per person, the later one counts.
    expect((await alice.press(card, 'No')).text).toContain('✅ Your vote is in');
    const p = await proposalRow(short);
    const votes = await rt.database.db.select().from(hubVotes).where(and(eq(hubVotes.proposal, p.id)));
    expect(votes).toHaveLength(1);
    expect(votes[0]!.choice).toBe(2);
    const scores = await eventually(async () => {
      const row = await proposalRow(short);
      return row.votes === 1 && row.scores[1]! > 0 ? row.scores : undefined;
    }, 20_000, 'the tally');
    expect(scores).toEqual(await recount(p.id));
    expect((await alice.say('/proposals')).text).toContain('Lower the platform fee to 4 %');
  }, 60_000);

  it('votes on approval (multi-select), weighted and ranked-choice proposals (forms); bad choices are refused before signing', async () => {
    const approval = await propose({ title: 'Which currencies to accept', choices: 'USDC\nDAI\nETH', type: 'approval', duration: '1d' });
    expect((await alice.choose(approval, 'Approve one or more', ['1', '3'])).text).toContain('✅ Your vote is in');

    const weighted = await propose({ title: 'Split the grants budget', choices: 'Docs\nTooling\nEvents', type: 'weighted', duration: '1d' });
    const wForm = await alice.press(weighted, 'Give your votes');
    expect((await alice.submit(wForm, { choice: '9=1' })).text).toContain('choice=points');
    const wForm2 = await alice.press(weighted, 'Give your votes');
    expect((await alice.submit(wForm2, { choice: '1=2, 2=1' })).text).toContain('✅ Your vote is in');

    const ranked = await propose({ title: 'Order of the roadmap', choices: 'API\nGovernance\nEngine', type: 'ranked-choice', duration: '1d' });
    const rForm = await alice.press(ranked, 'Rank the choices');
    expect((await alice.submit(rForm, { choice: '2, 3, 1' })).text).toContain('✅ Your vote is in');

    for (const card of [approval, weighted, ranked]) {
      const p = await proposalRow(proposalIdOf(card));
      const stored = await eventually(async () => {
        const row = await proposalRow(proposalIdOf(card));
        return row.votes === 1 && row.scores.some((s) => s > 0) ? row.scores : undefined;
      }, 20_000, `the tally of ${p.title}`);
      expect(stored).toEqual(await recount(p.id));
    }
  }, 90_000);

  it('pages a long list of choices (25 per select) and takes approvals beyond 25 as numbers', async () => {
    const choices = Array.from({ length: 30 }, (_, i) => `Option ${i + 1}`).join('\n');
    const long = await propose({ title: 'Pick a mascot', choices, type: 'single-choice', duration: '1d' });
    expect(alice.controlOf(long, 'Your choice (1–25 of 30)')).toBeTruthy();
    const page2 = await alice.press(long, 'Choices 26–30 ▸');
    expect(page2.text).toContain('choices 26–30 of 30');
    expect((await alice.choose(page2, 'Your choice (26–30 of 30)', ['28'])).text).toContain('✅ Your vote is in');
    const p = await proposalRow(proposalIdOf(long));
    expect((await rt.database.db.select().from(hubVotes).where(eq(hubVotes.proposal, p.id)))[0]!.choice).toBe(28);

    const many = await propose({ title: 'Which cities to launch in', choices, type: 'approval', duration: '1d' });
    const form = await alice.press(many, 'Approve choices');
    expect((await alice.submit(form, { choice: '2, 31' })).text).toContain('from 1 to 30');
    const form2 = await alice.press(many, 'Approve choices');
    expect((await alice.submit(form2, { choice: '29, 2, 2' })).text).toContain('✅ Your vote is in');
    const q = await proposalRow(proposalIdOf(many));
    expect((await rt.database.db.select().from(hubVotes).where(eq(hubVotes.proposal, q.id)))[0]!.choice).toEqual([2, 29]);
  }, 60_000);

  it('refuses malformed proposals with the reason and creates nothing', async () => {
    const before = (await rt.database.db.select().from(hubProposals)).length;
    const form = await alice.say('/proposal new');
    expect((await alice.submit(form, { title: 'Basic with four', choices: 'For\nAgainst\nAbstain\nMaybe', type: 'basic' })).text).toContain('2 or 3 choices');
    const form2 = await alice.say('/proposal new');
    expect((await alice.submit(form2, { title: 'Too long', choices: 'A\nB', duration: '90d' })).text).toContain('1 hour to 30 days');
    const form3 = await alice.say('/proposal new');
    expect((await alice.submit(form3, { title: 'Odd type', choices: 'A\nB', type: 'plurality' })).text).toContain('must be one of');
    expect((await rt.database.db.select().from(hubProposals)).length).toBe(before);
  }, 60_000);
});
