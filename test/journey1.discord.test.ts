import http from 'node:http';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Address, Hex } from 'viem';
import { assetRegistryAbi, receiptsAbi } from '../contracts/bindings/index.ts';
import { createDiscordOutbox, createDiscordRest } from '../bots/discord/discordOutbox.ts';
import { helpText } from '../bots/core/createChatCore.ts';
import { INTRO } from '../bots/core/commands/start.ts';
import { DiscordApiError, DiscordDmClosedError } from '../bots/discord/errors.ts';
import { createDiscordTransport } from '../bots/discord/discordTransport.ts';
import { ConfigError } from '../platform/errors.ts';
import { createLogger } from '../platform/log.ts';
import { FakeDiscord, type FakeDiscordUser } from './fakes/fakeDiscord.ts';
import { eventually, startTestRuntime, storedCounts, type TestRuntime } from './helpers/testRuntime.ts';

const MAX_BYTES = 64 * 1024;

/** Journey 1 through the real discord.js client: /upload → validated, encrypted dataset → on-chain receipt. */
describe('journey 1: Discord /upload → on-chain receipt', () => {
  const discord = new FakeDiscord();
  let rt: TestRuntime;
  let nextUser = 0;
  const newUser = (): FakeDiscordUser => {
    nextUser += 1;
    return { id: `9${String(Date.now()).slice(-8)}${nextUser}`, username: `grace${nextUser}`, global_name: `Grace ${nextUser}` };
  };

  beforeAll(async () => {
    await discord.start();
    // Discord refuses the first command registration: the bot must serve anyway and register later.
    discord.failNext('PUT', /^\/applications\/\d+\/commands$/, { status: 400, code: 50035, message: 'Invalid Form Body' });
    rt = await startTestRuntime({
      DISCORD_TOKEN: discord.token,
      DISCORD_API_ROOT: discord.apiRoot,
      UPLOAD_MAX_BYTES: String(MAX_BYTES),
    });
  });
  afterAll(async () => {
    await rt?.close();
    await discord.stop();
  });

  const counts = () => storedCounts(rt);

  it('connects through the gateway and registers the registry as slash commands with typed options', async () => {
    expect(discord.connected).toBe(true);
    expect(discord.identifies[0]).toMatchObject({ token: discord.token });
    await eventually(async () => discord.commands.length > 0, 15_000, 'slash commands');
    expect(discord.calls.filter((c) => c.method === 'PUT' && c.path.endsWith('/commands')).length).toBeGreaterThanOrEqual(2);
    expect(discord.commands.map((c) => c.name)).toEqual(rt.core.commands.map((c) => c.name));
    const upload = discord.commands.find((c) => c.name === 'upload')!;
    expect(upload.options).toEqual([
      expect.objectContaining({ name: 'file', type: 11, required: true }),
      expect.objectContaining({ name: 'access', type: 3, required: false, choices: [expect.objectContaining({ value: 'open' }), expect.objectContaining({ value: 'private' })] }),
    ]);
    const ask = discord.commands.find((c) => c.name === 'ask')!;
    expect(ask.options).toEqual([
      expect.objectContaining({ name: 'assistant', type: 3, required: true, autocomplete: true }),
      expect.objectContaining({ name: 'question', type: 3, required: true, max_length: 2000 }),
    ]);
  });

  it('greets on /start by global name and answers /help with the core help text', async () => {
    const user = newUser();
    const { channelId } = discord.slash(user, 'start');
    const welcome = await discord.waitForMessage(channelId, (m) => m.content.includes('Welcome'));
    expect(welcome.content).toContain(`Welcome, ${user.global_name}`);
    // A DM is private already: answers stay, rather than vanishing as ephemeral ones do.
    expect(welcome.ephemeral).toBe(false);

    discord.slash(user, 'help');
    const help = await discord.waitForMessage(channelId, (m) => m.content === helpText(rt.core.features, INTRO));
    expect(help.via).toBe('interaction');
  });

  it('answers in a guild channel too, naming a user without a global name by username', async () => {
    const user = { ...newUser(), global_name: null };
    const where = discord.guildChannel();
    discord.slash(user, 'start', { where });
    const msg = await discord.waitForMessage(where.channelId, (m) => m.content.includes('Welcome'));
    expect(msg.content).toContain(`Welcome, ${user.username}`);
  });

  it('reports the Discord connection in /status', async () => {
    const user = newUser();
    const { channelId } = discord.slash(user, 'status');
    const msg = await discord.waitForMessage(channelId, (m) => m.content.includes('discord:'));
    expect(msg.content).toMatch(/✅ discord: Caravan connected/);
    expect((await rt.status()).checks.discord).toMatchObject({ ok: true });
  });

  it('takes a CSV from /upload to a dataset and a receipt that is on-chain and locked', async () => {
    const user = newUser();
    const csv = Buffer.from('question,answer\n"What is a receipt?","A non-transferable share, on-chain"\nWho owns it?,The contributor\n');
    const { channelId } = discord.slash(user, 'upload', { file: { fileName: 'legal-qa.csv', bytes: csv, contentType: 'text/csv' } });

    const done = await discord.waitForMessage(channelId, (m) => m.content.startsWith('✅ Dataset'));
    // The interaction's answer is the progress message, visible to all, then workers edit it by channel.
    expect(done.ephemeral).toBe(false);
    expect(done.via).toBe('interaction');
    expect(done.history[0]).toMatch(/^📥 legal-qa\.csv\n⏳ Queued/);
    expect(done.history.some((t) => t.includes('⏳ Registering on-chain'))).toBe(true);
    expect(done.edits.every((e) => e === 'channel')).toBe(true);
    expect(done.edits.length).toBeGreaterThanOrEqual(3);
    // The open/private question came to the uploader alone, with two buttons.
    const question = await discord.waitForMessage(channelId, (m) => m.content.startsWith('Who may build assistants on legal-qa.csv'));
    expect(question.ephemeral).toBe(false);
    expect(question.components).toHaveLength(1);
    expect(discord.downloads.get('legal-qa.csv')).toBe(1);

    const datasetId = /Dataset (ds_[0-9a-z]{10})/.exec(done.content)![1]!;
    const sha = /sha256: (0x[0-9a-f]{64})/.exec(done.content)![1] as Hex;
    const receiptId = BigInt(/Receipt #(\d+)/.exec(done.content)![1]!);
    const holder = /holder: (0x[0-9a-fA-F]{40})/.exec(done.content)![1] as Address;
    const tx = /tx: (0x[0-9a-f]{64})/.exec(done.content)![1] as Hex;
    expect(done.content).toContain('2 rows');
    expect(sha).toBe(`0x${crypto.createHash('sha256').update(csv).digest('hex')}`);

    const { publicClient, addresses } = rt.chain;
    const assetId = await publicClient.readContract({ address: addresses.assetRegistry, abi: assetRegistryAbi, functionName: 'assetIdByHash', args: [sha] });
    expect(assetId).toBeGreaterThan(0n);
    expect(await publicClient.readContract({ address: addresses.receipts, abi: receiptsAbi, functionName: 'ownerOf', args: [receiptId] })).toBe(holder);
    expect(await publicClient.readContract({ address: addresses.receipts, abi: receiptsAbi, functionName: 'locked', args: [receiptId] })).toBe(true);
    expect((await publicClient.getTransactionReceipt({ hash: tx })).status).toBe('success');

    // The uploader is a Discord identity of their own.
    const owner = await rt.database.db.execute<{ platform: string; external_id: string }>(
      sql`select i.platform, i.external_id from datasets d join identities i on i.user_id = d.owner_id where d.public_id = ${datasetId}`,
    );
    expect(owner.rows).toEqual([{ platform: 'discord', external_id: user.id }]);

    discord.slash(user, 'datasets');
    const list = await discord.waitForMessage(channelId, (m) => m.content.startsWith('📚'));
    expect(list.ephemeral).toBe(false);
    // In a server channel, what is yours is shown to you alone.
    const where = discord.guildChannel();
    discord.slash(user, 'datasets', { where });
    const mine = await discord.waitForMessage(where.channelId, (m) => m.content.startsWith('📚'));
    expect(mine.ephemeral).toBe(true);
    expect(mine.content).toContain(`${datasetId} legal-qa.csv`);
    expect(list.content).toContain(`${datasetId} legal-qa.csv`);
    expect(list.content).toContain(`receipt #${receiptId}`);
  });

  it('takes a file dropped in the bot’s DMs like /upload, and hints at files for plain text', async () => {
    const user = newUser();
    const bytes = Buffer.from('{"q":"capital of France?","a":"Paris"}\n{"q":"2+2","a":"4"}\n');
    const { channelId } = discord.dm(user, { file: { fileName: 'facts.jsonl', bytes } });
    const done = await discord.waitForMessage(channelId, (m) => m.content.startsWith('✅ Dataset'));
    expect(done.via).toBe('channel');
    expect(done.history[0]).toMatch(/^📥 facts\.jsonl\n⏳ Queued/);
    expect(done.content).toContain('2 rows');

    discord.dm(user, { text: 'hello there' });
    const hint = await discord.waitForMessage(channelId, (m) => m.content.startsWith('Send me a .csv'));
    expect(hint.content).toContain('/help');
  });

  const badCases: Array<[string, { fileName: string; bytes: Buffer; declaredSize?: number }, RegExp, boolean]> = [
    ['a CSV with ragged rows', { fileName: 'ragged.csv', bytes: Buffer.from('a,b,c\n1,2,3\n4,5\n') }, /Row on line 3 has 2 fields, but the header has 3/, true],
    ['a file over the size limit', { fileName: 'big.txt', bytes: Buffer.alloc(MAX_BYTES + 1, 97) }, /too large: 64\.0 KB; the limit is 64\.0 KB/, false],
    ['a file that lies about its size', { fileName: 'liar.txt', bytes: Buffer.alloc(MAX_BYTES * 2, 97), declaredSize: 10 }, /too large/, true],
    ['an unsupported type', { fileName: 'report.pdf', bytes: Buffer.from('%PDF-1.7') }, /not a supported file type/, false],
  ];

  it.each(badCases)('refuses %s with a clear ❌ message and changes nothing', async (_name, file, expected, downloaded) => {
    const user = newUser();
    const before = await counts();
    const { channelId } = discord.slash(user, 'upload', { file });
    const reply = await discord.waitForMessage(channelId, (m) => m.content.startsWith('❌'));
    expect(reply.content).toMatch(expected);
    expect(reply.content).toContain('Nothing was stored');
    // Refusals decided from the declared size or name never download the file.
    expect(discord.downloads.get(file.fileName) ?? 0).toBe(downloaded ? 1 : 0);
    await new Promise((r) => setTimeout(r, 300));
    expect(await counts()).toEqual(before);
  });

  it('downloads attachments only from Discord, never from a URL elsewhere', async () => {
    let hits = 0;
    const elsewhere = http.createServer((_req, res) => {
      hits += 1;
      res.end('a,b\n1,2\n');
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', () => r()));
    try {
      const user = newUser();
      const before = await counts();
      const url = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/evil.csv`;
      const { channelId } = discord.slash(user, 'upload', { file: { fileName: 'evil.csv', bytes: Buffer.from('a,b\n1,2\n'), url } });
      const reply = await discord.waitForMessage(channelId, (m) => m.content.startsWith('⚠️'));
      expect(reply.content).toContain("it is not Discord's file server");
      expect(hits).toBe(0);
      expect(await counts()).toEqual(before);
    } finally {
      await new Promise<void>((r) => elsewhere.close(() => r()));
    }
  });

  it('refuses to start with a token Discord rejects, naming DISCORD_TOKEN', async () => {
    const transport = createDiscordTransport({ token: 'not-the-token', apiRoot: discord.apiRoot });
    const deps = { core: rt.core, log: createLogger({ level: 'silent', pretty: false }) };
    try {
      const err = await transport.start(deps).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).shortMessage).toBe('DISCORD_TOKEN was refused by Discord.');
    } finally {
      await transport.stop();
    }
  });

  describe('outbox', () => {
    const outbox = () => createDiscordOutbox(createDiscordRest({ token: discord.token, apiRoot: discord.apiRoot }));

    it('sends to a DM, with a picture as an attached file, and edits the message', async () => {
      const user = newUser();
      discord.dmChannelOf(user);
      const rest = createDiscordRest({ token: discord.token, apiRoot: discord.apiRoot });
      const target = await createDiscordOutbox(rest).directChat(user.id);
      expect(target).toEqual({ transport: 'discord', chatId: discord.dmChannelOf(user) });

      const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
      const id = await outbox().send(target, { text: 'Loss plot', image: { png, fileName: 'loss.png' } });
      await outbox().edit({ ...target, messageId: id }, { text: 'Loss plot (final)' });
      await outbox().edit({ ...target, messageId: id }, { text: 'Loss plot (final)' });
      const msg = discord.messagesIn(target.chatId).find((m) => m.id === id)!;
      expect(msg.history).toEqual(['Loss plot', 'Loss plot (final)', 'Loss plot (final)']);
      expect(msg.files).toEqual([{ fileName: 'loss.png', bytes: png }]);
    });

    it('cuts text to Discord’s 2000 characters instead of failing', async () => {
      const user = newUser();
      const target = { transport: 'discord' as const, chatId: discord.dmChannelOf(user) };
      const id = await outbox().send(target, { text: '🧾'.repeat(1500) });
      const msg = discord.messagesIn(target.chatId).find((m) => m.id === id)!;
      expect(msg.content.length).toBeLessThanOrEqual(2000);
      expect(msg.content.endsWith('…')).toBe(true);
    });

    it('maps closed DMs to DiscordDmClosedError and unknown messages to a non-retryable DiscordApiError', async () => {
      const user = newUser();
      const target = { transport: 'discord' as const, chatId: discord.dmChannelOf(user) };
      discord.closeDms(user);
      const err = await outbox().send(target, { text: 'You earned 0.42 USDC' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DiscordDmClosedError);
      expect(err).toMatchObject({ code: 50007, status: 403, retryable: false });

      const edit = await outbox().edit({ ...target, messageId: '1' }, { text: 'x' }).catch((e: unknown) => e);
      expect(edit).toBeInstanceOf(DiscordApiError);
      expect(edit).toMatchObject({ code: 10008, retryable: false });
      expect((edit as Error).message).toContain('the message no longer exists');
    });
  });
});
