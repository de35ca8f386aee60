import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { FakeTelegram, type FakeUser } from './fakes/fakeTelegram.ts';
import { eventually, startTestRuntime, type TestRuntime } from './helpers/testRuntime.ts';
import { freePort } from '../platform/infra/freePort.ts';
import { SENDER_CHAT_NOTICE } from '../bots/telegram/createTelegramBot.ts';

/**
 * Telegram at scale, through the real grammY client: updates of different chats run
 * concurrently while each chat's run in order; a command menu Telegram refuses at start is
 * retried while the bot serves; messages sent on behalf of a channel or an anonymous admin are
 * not taken for a person's.
 */
describe('Telegram: long polling with the runner', () => {
  const telegram = new FakeTelegram();
  let rt: TestRuntime;

  beforeAll(async () => {
    await telegram.start();
    // Telegram refuses the command menu twice at start: the platform must come up anyway.
    telegram.failNext('setMyCommands', { error_code: 400, description: 'Bad Request: BOT_COMMANDS_TOO_MUCH' }, 2);
    rt = await startTestRuntime({ TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.apiRoot, ENGINE: '0' });
  });
  afterAll(async () => {
    await rt?.close();
    await telegram.stop();
  });

  it('serves while the refused command menu is retried later, and reports it on /status until then', async () => {
    const user: FakeUser = { id: 8101, first_name: 'Ana' };
    telegram.sendText(user, '/start');
    await telegram.waitForMessage(user.id, (m) => m.text.includes('Welcome, Ana'));
    await eventually(async () => telegram.myCommands.length > 0, 20_000, 'the menu registered on a later try');
    expect(telegram.myCommands.at(-1)!.commands.map((c) => c.command)).toEqual(rt.core.commands.map((c) => c.name));
    expect(telegram.calls.filter((c) => c.method === 'setMyCommands').length).toBeGreaterThanOrEqual(3);
    expect((await rt.status()).checks.telegram).toMatchObject({ ok: true });
  });

  it('runs different chats concurrently and one chat’s updates in order', async () => {
    const slow: FakeUser = { id: 8102, first_name: 'Slow' };
    const quick: FakeUser = { id: 8103, first_name: 'Quick' };
    // The first answer to `slow` hangs in the network…
    const release = telegram.holdNext('sendMessage', slow.id);
    telegram.sendText(slow, '/help');
    await eventually(async () => telegram.calls.some((c) => c.method === 'sendMessage' && Number(c.params.chat_id) === slow.id), 10_000, 'the held answer');
    telegram.sendText(slow, '/whoami');
    // …while another chat is answered at once.
    telegram.sendText(quick, '/whoami');
    await telegram.waitForMessage(quick.id, (m) => m.text.startsWith('🪪 You are telegram:8103'));
    // The same chat's next update waits for the first one to finish.
    await new Promise((r) => setTimeout(r, 300));
    expect(telegram.messagesTo(slow.id)).toHaveLength(0);
    expect(telegram.calls.filter((c) => c.method === 'sendMessage' && Number(c.params.chat_id) === slow.id)).toHaveLength(1);
    release();
    await telegram.waitForMessage(slow.id, (m) => m.text.startsWith('🪪'));
    expect(telegram.messagesTo(slow.id).map((m) => m.text.split('\n')[0])).toEqual([expect.stringContaining('Caravan'), expect.stringContaining('🪪 You are telegram:8102')]);
  });

  it('ignores messages sent on behalf of a channel or an anonymous admin, with a short explanation', async () => {
    const group = { id: -100_555, type: 'supergroup' as const, title: 'Caravan fans' };
    const admin: FakeUser = { id: 8104, first_name: 'Admin' };
    telegram.sendText(admin, '/whoami', { chat: group, senderChat: { id: -100_555, type: 'supergroup', title: 'Caravan fans' } });
    const notice = await telegram.waitForMessage(group.id, (m) => m.text === SENDER_CHAT_NOTICE);
    expect(notice).toBeDefined();
    telegram.sendText(admin, '/start', { chat: group, senderChat: { id: -100_777, type: 'channel', title: 'News' } });
    await eventually(async () => telegram.messagesTo(group.id).filter((m) => m.text === SENDER_CHAT_NOTICE).length === 2, 10_000, 'second notice');
    // Neither Telegram's placeholder senders became a person of ours.
    const placeholders = await rt.database.db.execute<{ n: number }>(
      sql`select count(*)::int n from identities where platform = 'telegram' and external_id in ('136817688', '1087968824')`,
    );
    expect(placeholders.rows[0]!.n).toBe(0);
  });

  it('asks for a private chat before showing what is personal in a group, and answers public commands there', async () => {
    const group = { id: -100_600, type: 'group' as const, title: 'Trail' };
    const user: FakeUser = { id: 8105, first_name: 'Tess' };
    telegram.sendText(user, '/datasets', { chat: group });
    const redirect = await telegram.waitForMessage(group.id, (m) => m.text.startsWith('🔒'));
    expect(redirect.text).toBe('🔒 /datasets shows things that are yours: send it to me in a private chat.');
    telegram.sendText(user, '/help', { chat: group });
    await telegram.waitForMessage(group.id, (m) => m.text.includes('/newassistant'));
  });
});

/** Webhook mode: Telegram posts each update to the API with its secret token; anything else is refused. */
describe('Telegram: webhook mode', () => {
  const telegram = new FakeTelegram();
  let rt: TestRuntime;
  let url: string;

  beforeAll(async () => {
    await telegram.start();
    const port = await freePort();
    url = `http://127.0.0.1:${port}/telegram/webhook`;
    // The first setWebhook fails (Telegram down): the platform starts and sets it on a later try.
    telegram.failNext('setWebhook', { error_code: 502, description: 'Bad Gateway' });
    rt = await startTestRuntime({
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      TELEGRAM_WEBHOOK_URL: url,
      TELEGRAM_WEBHOOK_SECRET: 'test-secret-token-0123456789',
      PORT: String(port),
      ENGINE: '0',
    });
  });
  afterAll(async () => {
    await rt?.close();
    await telegram.stop();
  });

  it('sets the webhook (retrying a refusal), receives updates through it, and never polls', async () => {
    await eventually(async () => telegram.webhook?.url === url, 20_000, 'the webhook set');
    expect(telegram.webhook).toMatchObject({ url, secret_token: 'test-secret-token-0123456789' });
    const user: FakeUser = { id: 8201, first_name: 'Wen' };
    telegram.sendText(user, '/start');
    await telegram.waitForMessage(user.id, (m) => m.text.includes('Welcome, Wen'));
    await eventually(async () => telegram.webhookDeliveries.some((d) => d.status === 200), 5000, 'a delivery answered 200');
    expect(telegram.calls.some((c) => c.method === 'getUpdates')).toBe(false);
    await eventually(async () => (await rt.status()).checks.telegram?.ok, 5000, 'status ok');
  });

  it('refuses an update without the secret token (401) and acts on nothing', async () => {
    const before = telegram.sent.length;
    const update = { update_id: 99_999, message: { message_id: 1, date: 0, chat: { id: 8202, type: 'private' }, from: { id: 8202, is_bot: false, first_name: 'Eve' }, text: '/start' } };
    const post = (secret?: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) }, body: JSON.stringify(update) });
    expect((await post()).status).toBe(401);
    expect((await post('guessed-secret-token-000000')).status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(telegram.sent.length).toBe(before);
  });
});
