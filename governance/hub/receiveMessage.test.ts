import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, count, eq } from 'drizzle-orm';
import { parseAbi, parseEther, toHex, type Address } from 'viem';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { createTestPlatform } from '../../test/helpers/testRuntime.ts';
import type { Database } from '../../platform/db/client.ts';
import type { ChainDeps } from '../../platform/chain/clients.ts';
import { hubAliases, hubMessages, hubProposals, hubVotes } from '../../platform/db/schema.ts';
import { createTallyScheduler } from '../tally/createTallyScheduler.ts';
import { defaultSpaceSettings } from './ensureSpace.ts';
import { HubMessageError } from './errors.ts';
import { receiveMessage } from './receiveMessage.ts';
import { contentId } from './contentId.ts';
import { kebabCase } from './kebabCase.ts';
import type { HubDeps } from './types.ts';

const DOMAIN = { name: 'snapshot', version: '0.1.4' } as const;
const f = (fields: Array<[string, string]>) => fields.map(([name, type]) => ({ name, type }));
const TYPES = {
  Space: f([['from', 'address'], ['space', 'string'], ['timestamp', 'uint64'], ['settings', 'string']]),
  Proposal: f([
    ['from', 'string'], ['space', 'string'], ['timestamp', 'uint64'], ['type', 'string'], ['title', 'string'], ['body', 'string'], ['discussion', 'string'],
    ['choices', 'string[]'], ['labels', 'string[]'], ['start', 'uint64'], ['end', 'uint64'], ['snapshot', 'uint64'], ['plugins', 'string'], ['privacy', 'string'], ['app', 'string'],
  ]),
  Vote: f([['from', 'string'], ['space', 'string'], ['timestamp', 'uint64'], ['proposal', 'string'], ['choice', 'uint32'], ['reason', 'string'], ['app', 'string'], ['metadata', 'string']]),
} as const;
const now = () => Math.floor(Date.now() / 1000);

/** The ingestor below HTTP: space rules, re-vote ties, concurrency, alias expiry and the coalesced tally. */
describe('receiveMessage', () => {
  let database: Database;
  let chain: ChainDeps;
  let close: () => Promise<void>;
  let deps: HubDeps;
  const controller = privateKeyToAccount(generatePrivateKey());
  const admin = privateKeyToAccount(generatePrivateKey());
  const voter = privateKeyToAccount(generatePrivateKey());
  const stranger = privateKeyToAccount(generatePrivateKey());
  let settings: ReturnType<typeof defaultSpaceSettings>;
  let block: number;
  const tally = { requested: [] as string[] };
  /** Identical messages are one message (same id): each proposal gets its own title. */
  let proposals = 0;

  const envelope = async (account: PrivateKeyAccount, primaryType: keyof typeof TYPES, message: Record<string, unknown>) => {
    const types = { [primaryType]: TYPES[primaryType] };
    const sig = await account.signTypedData({ domain: DOMAIN, types, primaryType, message } as never);
    return { address: account.address, sig, data: { domain: DOMAIN, types, message } };
  };
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => 'accepted',
      (e: unknown) => (e instanceof HubMessageError ? e.description : String(e)),
    );
  const setSpace = async (id: string, s: object, by = controller) =>
    receiveMessage(deps, await envelope(by, 'Space', { from: by.address, space: id, timestamp: now(), settings: JSON.stringify(s) }));
  const propose = async (space: string, over: Record<string, unknown> = {}, by = voter) => {
    const t = now();
    return receiveMessage(
      deps,
      await envelope(by, 'Proposal', {
        from: by.address, space, timestamp: t, type: 'single-choice', title: `P${++proposals}`, body: '', discussion: '', choices: ['A', 'B'], labels: [],
        start: t, end: t + 3600, snapshot: block, plugins: '{}', privacy: '', app: '', ...over,
      }),
    );
  };
  const vote = async (space: string, proposal: string, over: Record<string, unknown> = {}, by = voter) =>
    receiveMessage(deps, await envelope(by, 'Vote', { from: by.address, space, timestamp: now(), proposal, choice: 1, reason: '', app: '', metadata: '{}', ...over }));

  beforeAll(async () => {
    ({ database, chain, close } = await createTestPlatform());
    deps = {
      db: database.db,
      chain,
      relayer: privateKeyToAccount(generatePrivateKey()),
      defaultController: controller.address,
      onVote: (p) => tally.requested.push(p),
    };
    // The voter holds 5 delegated tokens.
    await chain.publicClient.request({ method: 'anvil_setBalance' as never, params: [voter.address, toHex(parseEther('1'))] as never });
    const abi = parseAbi(['function transfer(address,uint256) returns (bool)', 'function delegate(address)']);
    await chain.publicClient.waitForTransactionReceipt({
      hash: await chain.walletClient.writeContract({ address: chain.addresses.token!, abi, functionName: 'transfer', args: [voter.address, parseEther('5')] }),
    });
    await chain.publicClient.waitForTransactionReceipt({
      hash: await chain.walletClient.writeContract({ address: chain.addresses.token!, abi, functionName: 'delegate', args: [voter.address], account: voter }),
    });
    block = Number(await chain.publicClient.getBlockNumber({ cacheTime: 0 }));
    settings = defaultSpaceSettings({ chainId: chain.chainId, receipts: chain.addresses.receipts, token: chain.addresses.token as Address, receiptWeight: 1n, controller: controller.address });
    settings.admins = [admin.address];
    await setSpace('open.eth', settings);
  });
  afterAll(async () => close?.());

  it('settings: only the controller creates a space and changes admins; admins change the rest; the schema and network are checked', async () => {
    expect(await refusal(setSpace('new.eth', settings, stranger))).toBe('not allowed');
    expect(await refusal(setSpace('open.eth', { ...settings, about: 'by an admin' }, admin))).toBe('accepted');
    expect(await refusal(setSpace('open.eth', { ...settings, admins: [admin.address, stranger.address] }, admin))).toBe('not allowed change admins');
    expect(await refusal(setSpace('open.eth', { ...settings, strategies: [] }))).toBe('wrong space format');
    expect(await refusal(setSpace('open.eth', { ...settings, strategies: [{ name: 'whale-watch', params: {} }] }))).toBe('wrong space format');
    expect(await refusal(setSpace('open.eth', { ...settings, network: '1' }))).toBe('network not allowed');
    expect(await refusal(setSpace('x'.repeat(65), settings))).toBe('id too long');
  });

  it('proposals follow the space’s delay, period, type and author rules', async () => {
    await setSpace('strict.eth', { ...settings, voting: { delay: 60, period: 3600, type: 'approval' } });
    // The message's own time is fixed: the delay is counted from it, so a second ticking over must not change it.
    const t = now();
    expect(await refusal(propose('strict.eth', { type: 'approval', start: t + 10, end: t + 3610, timestamp: t }))).toBe('invalid voting delay');
    expect(await refusal(propose('strict.eth', { type: 'approval', start: t + 60, end: t + 600, timestamp: t }))).toBe('invalid voting period');
    expect(await refusal(propose('strict.eth', { type: 'single-choice', start: t + 60, end: t + 3660, timestamp: t }))).toBe('invalid voting type');
    expect(await refusal(propose('strict.eth', { type: 'approval', start: t + 60, end: t + 3660, timestamp: t }))).toBe('accepted');
    await setSpace('members.eth', { ...settings, filters: { onlyMembers: true } });
    expect(await refusal(propose('members.eth'))).toBe('only space authors can propose');
    expect(await refusal(propose('members.eth', {}, admin))).toBe('accepted');
    await setSpace('minscore.eth', { ...settings, validation: { name: 'basic', params: { minScore: 10 } } });
    expect(await refusal(propose('minscore.eth'))).toBe('validation failed');
    await setSpace('minscore2.eth', { ...settings, validation: { name: 'basic', params: { minScore: 5 } } });
    expect(await refusal(propose('minscore2.eth'))).toBe('accepted');
  });

  it('aliases: only where the space allows them, and not after 30 days', async () => {
    const alias = privateKeyToAccount(generatePrivateKey());
    await setSpace('noalias.eth', { ...settings, voting: { aliased: false } });
    const p = await propose('noalias.eth');
    const signedByAlias = await envelope(alias, 'Vote', { from: voter.address, space: 'noalias.eth', timestamp: now(), proposal: p.id, choice: 1, reason: '', app: '', metadata: '{}' });
    expect(await refusal(receiveMessage(deps, signedByAlias))).toBe('alias not allowed for the type: vote');
    const q = await propose('open.eth');
    await database.db.insert(hubAliases).values({ id: `old-${alias.address}`, ipfs: 'b', address: voter.address, alias: alias.address, created: now() - 31 * 86_400 });
    const expired = await envelope(alias, 'Vote', { from: voter.address, space: 'open.eth', timestamp: now(), proposal: q.id, choice: 1, reason: '', app: '', metadata: '{}' });
    expect(await refusal(receiveMessage(deps, expired))).toBe('wrong alias');
    await database.db.insert(hubAliases).values({ id: `new-${alias.address}`, ipfs: 'b', address: voter.address, alias: alias.address, created: now() - 29 * 86_400 });
    expect(await refusal(receiveMessage(deps, expired))).toBe('accepted');
  });

  it('two votes with the same timestamp: the greater id stands, whatever the order', async () => {
    const p = await propose('open.eth');
    const t = now();
    const a = await envelope(voter, 'Vote', { from: voter.address, space: 'open.eth', timestamp: t, proposal: p.id, choice: 1, reason: '', app: '', metadata: '{}' });
    const b = await envelope(voter, 'Vote', { from: voter.address, space: 'open.eth', timestamp: t, proposal: p.id, choice: 2, reason: '', app: '', metadata: '{}' });
    const first = await receiveMessage(deps, a);
    const second = await refusal(receiveMessage(deps, b));
    const [stored] = await database.db.select({ id: hubVotes.id }).from(hubVotes).where(eq(hubVotes.proposal, p.id));
    const winner = [first.id, (await import('viem')).hashTypedData({ domain: DOMAIN, types: b.data.types, primaryType: 'Vote', message: b.data.message } as never)].sort().at(-1);
    expect(stored!.id).toBe(winner);
    expect(second).toBe(winner === first.id ? 'already voted same time with lower index' : 'accepted');
  });

  it('50 concurrent identical messages: one stored, the rest `duplicate message`', async () => {
    const p = await propose('open.eth');
    const env = await envelope(voter, 'Vote', { from: voter.address, space: 'open.eth', timestamp: now(), proposal: p.id, choice: 2, reason: '', app: '', metadata: '{}' });
    const results = await Promise.all(Array.from({ length: 50 }, () => refusal(receiveMessage(deps, structuredClone(env)))));
    expect(results.filter((r) => r === 'accepted')).toHaveLength(1);
    expect(results.filter((r) => r === 'duplicate message')).toHaveLength(49);
    const [rows] = await database.db.select({ n: count() }).from(hubVotes).where(eq(hubVotes.proposal, p.id));
    expect(rows!.n).toBe(1);
    const [msgs] = await database.db.select({ n: count() }).from(hubMessages).where(and(eq(hubMessages.type, 'vote'), eq(hubMessages.space, 'open.eth')));
    expect(msgs!.n).toBeGreaterThanOrEqual(1);
  });

  it('a vote asks for a tally; the scheduler coalesces and writes scores', async () => {
    const scheduler = createTallyScheduler({ db: database.db });
    const p = await propose('open.eth');
    await vote('open.eth', p.id, { choice: 2 });
    expect(tally.requested).toContain(p.id);
    for (let i = 0; i < 5; i++) scheduler.request(p.id);
    await scheduler.idle();
    const [row] = await database.db.select().from(hubProposals).where(eq(hubProposals.id, p.id));
    expect(row!.scores).toEqual([0, 5]);
    expect(row!.scoresByStrategy).toEqual([[0, 0], [0, 5]]); // [receipts, token] per choice
    expect(row!.votes).toBe(1);
  });

  it('names content like IPFS and apps like Snapshot', () => {
    expect(contentId('{}')).toMatch(/^bagu[a-z2-7]{57}$/);
    expect(contentId('{}')).not.toBe(contentId('{ }'));
    expect(kebabCase('Caravan Bot')).toBe('caravan-bot');
    expect(kebabCase('snapshotV2')).toBe('snapshot-v-2');
  });
});
