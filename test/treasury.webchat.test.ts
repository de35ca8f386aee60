import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWalletClient, erc20Abi, http, parseEther, type Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { caravanGovernorAbi, caravanTimelockAbi, handoverCharterAbi } from '../contracts/bindings/index.ts';
import { eq } from 'drizzle-orm';
import { loadDevFoundationKey } from '../platform/crypto/foundationKey.ts';
import { identities, users } from '../platform/db/schema.ts';
import { eventually, startTestRuntime, type TestRuntime } from './helpers/testRuntime.ts';
import { webChat, type WebChat } from './helpers/webChat.ts';

/**
 * The DAO treasury from the web chat, on a chain of its own whose clock the test moves: proposing is
 * refused in the FOUNDATION phase; once TRANSITION is due the lifecycle job starts it; a contributor
 * (votes from their receipt) proposes a transfer, votes with a button (a signed ballot relayed with
 * castVoteBySig), the job queues the passed proposal and executes it after the timelock's delay, and
 * the funds arrive; the Foundation's guardian cancels a queued one in TRANSITION and cannot after its
 * veto expired. Bad input (no votes, a second vote, too much, a bad address) changes nothing.
 */
describe('treasury in the web chat', () => {
  let rt: TestRuntime;
  let alice: WebChat;
  let bob: WebChat;
  /** The governance channel (a web chat here): each lifecycle step is posted there once. */
  let channel: WebChat;
  const channelId = crypto.randomUUID();
  const DAY = 86_400;
  const recipient = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d').address;

  beforeAll(async () => {
    rt = await startTestRuntime({ ENGINE: '0', INDEXER_INTERVAL: '300ms', GOVERNANCE_CHANNELS: `web:${channelId}` }, { privateChain: true });
    channel = webChat(rt.url!, channelId);
    alice = webChat(rt.url!);
    bob = webChat(rt.url!);
  });
  afterAll(async () => {
    await rt?.close();
  });

  const rpc = (method: string, params: unknown[] = []) => rt.chain.publicClient.request({ method: method as never, params: params as never });
  const mine = (blocks: number) => rpc('anvil_mine', [`0x${blocks.toString(16)}`]);
  const travel = async (seconds: number) => {
    await rpc('evm_increaseTime', [seconds]);
    await mine(1);
  };
  const governor = () => rt.chain.addresses.governor!;
  const cvn = () => rt.chain.addresses.token!;
  const balanceOf = (a: Address) => rt.chain.publicClient.readContract({ address: cvn(), abi: erc20Abi, functionName: 'balanceOf', args: [a] });
  const phase = () => rt.chain.publicClient.readContract({ address: rt.chain.addresses.handoverCharter!, abi: handoverCharterAbi, functionName: 'phase' });
  const stateOf = (id: bigint) => rt.chain.publicClient.readContract({ address: governor(), abi: caravanGovernorAbi, functionName: 'state', args: [id] });

  /** Opens /treasury propose and submits the form; resolves with the bot's answer after the "sending" line. */
  const propose = async (who: WebChat, fields: Record<string, string>) => {
    const form = await who.say('/treasury propose');
    expect(form.text).toContain('New treasury proposal');
    const first = await who.submit(form, fields);
    if (!first.text.startsWith('⏳')) return first;
    return who.waitFor((m) => !m.text.startsWith('⏳'), { after: first.id, timeoutMs: 30_000, what: 'the proposal' });
  };
  /** The proposal id the chain gave the last proposal of `proposer`'s title. */
  const proposalIdByTitle = async (title: string) =>
    eventually(async () => {
      const logs = await rt.chain.publicClient.getContractEvents({ address: governor(), abi: caravanGovernorAbi, eventName: 'ProposalCreated', fromBlock: 0n });
      return logs.reverse().find((l) => l.args.description?.startsWith(`# ${title}`))?.args.proposalId;
    }, 10_000, `proposal ${title}`);

  it('refuses treasury proposals while the Foundation runs the treasury; the job starts TRANSITION once due', async () => {
    expect((await alice.upload('charter.csv', 'term,meaning\nquorum,the votes a proposal needs\n')).status).toBe(202);
    await alice.press(await alice.waitFor((m) => m.text.startsWith('Who may build assistants on charter.csv'), { what: 'access question' }), 'Open');
    await alice.waitFor((m) => m.text.startsWith('✅ Dataset'), { timeoutMs: 30_000, what: 'receipt' });

    expect((await alice.say('/dao')).text).toMatch(/Phase: FOUNDATION[\s\S]*500,000 CVN/);
    const refused = await propose(alice, { title: 'Too early', to: recipient, amount: '1', currency: 'CVN' });
    expect(refused.text).toContain('The Foundation runs the treasury until the TRANSITION phase');
    expect(await phase()).toBe(0);

    await travel(31 * DAY);
    await eventually(async () => ((await phase()) === 1 ? true : undefined), 15_000, 'TRANSITION started by the job');
    expect((await alice.say('/dao')).text).toContain('Phase: TRANSITION');
    expect((await channel.waitFor((m) => m.text.includes('moved to the TRANSITION phase'), { what: 'phase post' })).text).toContain('/dao');
  }, 90_000);

  it('proposes a transfer, votes with a relayed signature, queues, waits out the timelock and transfers', async () => {
    // Bad input first: nothing is proposed.
    expect((await propose(alice, { title: 'Bad', to: '0x1234', amount: '1', currency: 'CVN' })).text).toContain('is not an address');
    expect((await propose(alice, { title: 'Greedy', to: recipient, amount: '900000', currency: 'CVN' })).text).toContain('The treasury holds 500,000 CVN');
    expect((await propose(alice, { title: 'Odd coin', to: recipient, amount: '1', currency: 'DOGE' })).text).toContain('Unknown currency');

    const card = await propose(alice, { title: 'Fund the docs sprint', to: recipient, amount: '1250', currency: 'CVN', body: 'Two writers for a month.' });
    expect(card.text).toContain('✅ Treasury proposal created: send 1,250 CVN to');
    const id = await proposalIdByTitle('Fund the docs sprint');
    await mine(2); // past the voting delay
    const open = await alice.say(`/treasury ${id}`);
    expect(open.text).toContain('voting is open');

    const bobSays = await bob.press(await bob.say(`/treasury ${id}`), 'Against');
    expect(bobSays.text).toContain('no votes at the proposal');
    const voted = await alice.press(open, 'For');
    expect(voted.text).toMatch(/✅ Your on-chain vote \(for\) is in, with [\d,.]+ votes/);
    const [, forVotes] = await rt.chain.publicClient.readContract({ address: governor(), abi: caravanGovernorAbi, functionName: 'proposalVotes', args: [id] });
    expect(forVotes).toBeGreaterThan(0n);
    expect((await alice.press(open, 'Against')).text).toContain('voted on this proposal already');

    await mine(25); // the voting period ends: passed, and the job queues it
    await eventually(async () => ((await stateOf(id)) === 5 ? true : undefined), 20_000, 'queued');
    expect((await alice.waitFor((m) => m.text.includes('passed and is queued'), { what: 'queued DM' })).text).toContain('Fund the docs sprint');
    expect(await balanceOf(recipient)).toBe(0n);

    await travel(3601);
    await eventually(async () => ((await stateOf(id)) === 7 ? true : undefined), 20_000, 'executed');
    expect(await balanceOf(recipient)).toBe(parseEther('1250'));
    expect((await alice.waitFor((m) => m.text.includes('was executed'), { what: 'executed DM' })).text).toContain(`send 1,250 CVN to ${recipient}`);
    expect((await alice.say(`/treasury ${id}`)).text).toContain('✅ executed');
    const posts = (await channel.messages()).filter((m) => m.text.includes('Fund the docs sprint'));
    expect(posts.map((m) => m.text.split('*')[2]!.slice(0, 22))).toEqual([' passed and is queued ', ' was executed: send 1,']);
  }, 120_000);

  it("lets the Foundation's guardian cancel a queued proposal in TRANSITION, and not after its veto expired", async () => {
    const foundation = loadDevFoundationKey({ home: rt.home });
    await rpc('anvil_setBalance', [foundation.address, `0x${parseEther('1').toString(16)}`]);
    const wallet = createWalletClient({ account: foundation, chain: rt.chain.publicClient.chain, transport: http(rt.chain.publicClient.transport.url as string) });
    const charter = rt.chain.addresses.handoverCharter!;

    const queuedProposal = async (title: string) => {
      await propose(alice, { title, to: recipient, amount: '1', currency: 'CVN' });
      const id = await proposalIdByTitle(title);
      await mine(2);
      await alice.press(await alice.say(`/treasury ${id}`), 'For');
      await mine(25);
      await eventually(async () => ((await stateOf(id)) === 5 ? true : undefined), 20_000, `${title} queued`);
      return id;
    };
    const timelockIdOf = async (id: bigint) => {
      const [created] = await rt.chain.publicClient.getContractEvents({ address: governor(), abi: caravanGovernorAbi, eventName: 'ProposalCreated', args: {}, fromBlock: 0n }).then((l) => l.filter((e) => e.args.proposalId === id));
      const { keccak256, toBytes } = await import('viem');
      const salt = `0x${((BigInt(governor()) << 96n) ^ BigInt(keccak256(toBytes(created!.args.description!)))).toString(16).padStart(64, '0')}` as `0x${string}`;
      return rt.chain.publicClient.readContract({
        address: rt.chain.addresses.timelock!,
        abi: caravanTimelockAbi,
        functionName: 'hashOperationBatch',
        args: [created!.args.targets!, created!.args.values!, created!.args.calldatas!, `0x${'0'.repeat(64)}`, salt],
      });
    };

    const vetoed = await queuedProposal('Pay an unknown vendor');
    expect((await alice.say(`/treasury cancel ${vetoed}`)).text).toContain(`Only the Foundation (${foundation.address}) can veto`);
    // Bob runs the Foundation: his chat account has the Foundation's wallet linked (as /link would record it).
    const [bobIdentity] = await rt.database.db.select().from(identities).where(eq(identities.externalId, bob.chatId));
    await rt.database.db.update(users).set({ walletAddress: foundation.address }).where(eq(users.id, bobIdentity!.userId));
    const offer = await bob.say(`/treasury cancel ${vetoed}`);
    const token = /\/wallet\/tx\/([\w-]+)/.exec(offer.text)?.[1];
    expect(offer.text, offer.text).toContain('🛡 Guardian veto of “Pay an unknown vendor”');
    // The Foundation's wallet sends what the page offers; the page reports the hash back and it is checked.
    const hash = await wallet.writeContract({ address: charter, abi: handoverCharterAbi, functionName: 'cancel', args: [await timelockIdOf(vetoed)] });
    const sent = await fetch(`${rt.url}/wallet/tx/${token}/sent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hashes: [hash] }) });
    expect(sent.status, await sent.clone().text()).toBe(200);
    expect(await stateOf(vetoed)).toBe(2); // Canceled
    await travel(3601);
    await new Promise((r) => setTimeout(r, 1500)); // a few lifecycle passes: nothing is executed
    expect(await stateOf(vetoed)).toBe(2);
    expect((await alice.say(`/treasury ${vetoed}`)).text).toContain('cancelled');

    await travel(91 * DAY); // the guardian's veto is over
    expect((await alice.say('/dao')).text).toContain('(expired)');
    const late = await queuedProposal('Pay a known vendor');
    expect((await bob.say(`/treasury cancel ${late}`)).text).toContain("The guardian's veto expired");
    await expect(wallet.writeContract({ address: charter, abi: handoverCharterAbi, functionName: 'cancel', args: [await timelockIdOf(late)] })).rejects.toThrow(/HandoverCharterUnauthorized/);
    expect(await stateOf(late)).toBe(5);
  }, 150_000);
});
