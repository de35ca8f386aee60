import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Bot, GrammyError, InlineKeyboard, InputFile, webhookCallback } from 'grammy';
import { autoRetry } from '@grammyjs/auto-retry';
import { FakeTelegram, type FakeUser } from './fakeTelegram.ts';

const ada: FakeUser = { id: 5101, first_name: 'Ada' };
const bob: FakeUser = { id: 5102, first_name: 'Bob' };
const group = { id: -100_123, type: 'supergroup' as const, title: 'Caravan fans' };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startFake(options: ConstructorParameters<typeof FakeTelegram>[1] = {}): Promise<FakeTelegram> {
  const telegram = new FakeTelegram(undefined, options);
  await telegram.start();
  cleanups.push(() => telegram.stop());
  return telegram;
}

function newBot(telegram: FakeTelegram): Bot {
  return new Bot(telegram.token, { client: { apiRoot: telegram.apiRoot } });
}

/** Starts long polling and resolves once grammY polls. */
async function startPolling(telegram: FakeTelegram, bot: Bot): Promise<void> {
  await new Promise<void>((resolve) => void bot.start({ onStart: () => resolve() }));
  cleanups.push(() => bot.stop());
}

async function listen(handler: http.RequestListener): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server };
}

const until = async (check: () => boolean, timeoutMs = 5000) => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('FakeTelegram with the real grammY client', () => {
  it('stores an inline keyboard, delivers a button press, records the answer and the edit that drops the keyboard', async () => {
    const telegram = await startFake();
    const bot = newBot(telegram);
    bot.command('menu', (ctx) => ctx.reply('Pick one', { reply_markup: new InlineKeyboard().text('Yes', 'pick:yes').text('No', 'pick:no').row().url('Docs', 'https://example.org') }));
    bot.on('callback_query:data', async (ctx) => {
      await ctx.answerCallbackQuery({ text: `You chose ${ctx.callbackQuery.data}` });
      await ctx.editMessageText(`Chose ${ctx.callbackQuery.data} (${ctx.callbackQuery.message?.message_id ?? 'stale'})`);
    });
    const errors: unknown[] = [];
    bot.catch((err) => void errors.push(err.error));
    await startPolling(telegram, bot);

    telegram.sendText(ada, '/menu');
    const menu = await telegram.waitForMessage(ada.id, (m) => m.text === 'Pick one');
    expect(menu.markup).toEqual([
      [
        { text: 'Yes', callback_data: 'pick:yes' },
        { text: 'No', callback_data: 'pick:no' },
      ],
      [{ text: 'Docs', url: 'https://example.org' }],
    ]);

    expect(() => telegram.pressButton(ada, menu, 'pick:maybe')).toThrow(/no button with callback_data "pick:maybe".*"Yes" → pick:yes/);
    expect(() => telegram.pressButton(bob, menu, 'pick:yes')).toThrow(/private chat of 5101/);

    const queryId = telegram.pressButton(ada, menu, 'pick:yes');
    expect(await telegram.waitForCallbackAnswer(queryId)).toEqual({ text: 'You chose pick:yes' });
    await telegram.waitForMessage(ada.id, (m) => m.text.startsWith('Chose'));
    // editMessageText without reply_markup removes the keyboard, as Telegram does.
    expect(menu.text).toBe(`Chose pick:yes (${menu.message_id})`);
    expect(menu.markup).toBeUndefined();
    expect(menu.markups).toEqual([expect.any(Array), undefined]);
    expect(() => telegram.pressButton(ada, menu, 'pick:no')).toThrow(/no callback buttons/);

    // A query can be answered once.
    const again = await bot.api.answerCallbackQuery(queryId).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(GrammyError);
    expect((again as GrammyError).description).toBe('Bad Request: query is too old and response timeout expired or query ID is invalid');

    // A stale press for a message the bot never sent arrives as an inaccessible message.
    const stale = telegram.pressRaw(ada, { chatId: ada.id, messageId: 1, data: 'pick:no' });
    await telegram.waitForCallbackAnswer(stale);
    await until(() => errors.length === 1);
    expect(errors[0]).toBeInstanceOf(GrammyError);
    expect((errors[0] as GrammyError).description).toBe('Bad Request: message to edit not found');
    const update = telegram.calls.filter((c) => c.method === 'editMessageText').at(-1)!;
    expect(update.params).toMatchObject({ chat_id: ada.id, message_id: 1 });
  });

  it('refuses invalid keyboards and unchanged edits with Telegram’s own errors', async () => {
    const telegram = await startFake();
    const bot = newBot(telegram);
    const refusal = (p: Promise<unknown>) => p.then(() => 'accepted', (e: unknown) => (e instanceof GrammyError ? `${e.error_code} ${e.description}` : String(e)));

    expect(await refusal(bot.api.sendMessage(ada.id, 'x', { reply_markup: new InlineKeyboard().text('Long', 'd'.repeat(65)) }))).toBe('400 Bad Request: BUTTON_DATA_INVALID');
    expect(await refusal(bot.api.sendMessage(ada.id, 'x', { reply_markup: new InlineKeyboard().text('Wide', 'é'.repeat(33)) }))).toBe('400 Bad Request: BUTTON_DATA_INVALID');
    expect(await refusal(bot.api.sendMessage(ada.id, 'x', { reply_markup: new InlineKeyboard().text('', 'ok') }))).toBe('400 Bad Request: BUTTON_TEXT_INVALID');
    expect(await refusal(bot.api.sendMessage(ada.id, 'x', { reply_markup: { inline_keyboard: [[{ text: 'Plain' } as never]] } }))).toBe(
      "400 Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
    );
    expect(telegram.sent).toEqual([]);

    const keyboard = new InlineKeyboard().text('A', 'a');
    const msg = await bot.api.sendMessage(ada.id, 'Hello', { reply_markup: keyboard });
    expect(await refusal(bot.api.editMessageText(ada.id, msg.message_id, 'Hello', { reply_markup: keyboard }))).toMatch(/^400 Bad Request: message is not modified/);
    // Same text, another keyboard: a change.
    expect(await refusal(bot.api.editMessageText(ada.id, msg.message_id, 'Hello', { reply_markup: new InlineKeyboard().text('B', 'b') }))).toBe('accepted');
    expect(await refusal(bot.api.editMessageReplyMarkup(ada.id, msg.message_id, { reply_markup: new InlineKeyboard().text('B', 'b') }))).toMatch(/not modified/);
    expect(await refusal(bot.api.editMessageReplyMarkup(ada.id, msg.message_id))).toBe('accepted');
    const [stored] = telegram.messagesTo(ada.id);
    expect(stored!.history).toEqual(['Hello']);
    expect(stored!.markups.map((m) => m?.[0]?.[0]?.callback_data)).toEqual(['a', 'b', undefined]);
    expect(await refusal(bot.api.editMessageText(ada.id, 999, 'x'))).toBe('400 Bad Request: message to edit not found');
    expect(await refusal(bot.api.sendChatAction(ada.id, 'typing'))).toBe('accepted');

    // A photo upload (multipart) carries its keyboard as JSON text.
    const png = Buffer.from('89504e470d0a1a0a', 'hex');
    await bot.api.sendPhoto(ada.id, new InputFile(png, 'plot.png'), { caption: 'Plot', reply_markup: new InlineKeyboard().text('Again', 'plot:again') });
    const photo = telegram.messagesTo(ada.id).find((m) => m.photo)!;
    expect(photo).toMatchObject({ text: 'Plot', photo: { bytes: png, fileName: 'plot.png' }, markup: [[{ text: 'Again', callback_data: 'plot:again' }]] });
    expect(await refusal(bot.api.editMessageText(ada.id, photo.message_id, 'x'))).toBe('400 Bad Request: there is no text in the message to edit');
  });

  it('delivers group messages sent on behalf of a channel or an anonymous admin, with privacy mode', async () => {
    const telegram = await startFake();
    const bot = newBot(telegram);
    const seen: Array<{ text: string; from?: string; senderChat?: string; chatType: string }> = [];
    bot.on('message:text', async (ctx) => {
      seen.push({ text: ctx.message.text, from: ctx.from?.username ?? ctx.from?.first_name, senderChat: ctx.senderChat?.title, chatType: ctx.chat.type });
      await ctx.reply(`Seen: ${ctx.message.text}`);
    });
    await startPolling(telegram, bot);
    expect((await bot.api.getMe()).can_read_all_group_messages).toBe(false);

    telegram.sendText(ada, 'just chatting', { chat: group });
    telegram.sendText(ada, '/help@someother_bot', { chat: group });
    telegram.sendText(ada, '/help@caravan_test_bot', { chat: group });
    const help = await telegram.waitForMessage(group.id, (m) => m.text === 'Seen: /help@caravan_test_bot');
    telegram.sendText(bob, 'a reply to the bot', { chat: group, replyTo: help.message_id });
    telegram.sendText(ada, '/status', { chat: group, senderChat: { id: -100_777, type: 'channel', title: 'Caravan news' } });
    telegram.sendText(ada, '/status', { chat: group, senderChat: { id: group.id, type: 'supergroup', title: group.title } });
    await until(() => seen.length === 4);

    expect(seen).toEqual([
      { text: '/help@caravan_test_bot', from: 'Ada', senderChat: undefined, chatType: 'supergroup' },
      { text: 'a reply to the bot', from: 'Bob', senderChat: undefined, chatType: 'supergroup' },
      { text: '/status', from: 'Channel_Bot', senderChat: 'Caravan news', chatType: 'supergroup' },
      { text: '/status', from: 'GroupAnonymousBot', senderChat: 'Caravan fans', chatType: 'supergroup' },
    ]);
    expect(telegram.withheld.map((w) => w.text)).toEqual(['just chatting', '/help@someother_bot']);
    await until(() => telegram.messagesTo(group.id).length === 4);
    expect(telegram.messagesTo(group.id).map((m) => m.text)).toEqual([
      'Seen: /help@caravan_test_bot',
      'Seen: a reply to the bot',
      'Seen: /status',
      'Seen: /status',
    ]);
    expect(telegram.messagesTo(ada.id)).toEqual([]);
    const update = telegram.calls.find((c) => c.method === 'sendMessage')!;
    expect(update.params.chat_id).toBe(group.id);
  });

  it('answers failNext refusals as GrammyErrors, then works; records setMyCommands', async () => {
    const telegram = await startFake();
    const bot = newBot(telegram);
    telegram.failNext('setMyCommands', { error_code: 400, description: 'Bad Request: BOT_COMMAND_INVALID' });
    telegram.failNext('getMe', { error_code: 401, description: 'Unauthorized' });
    telegram.failNext('sendMessage', { error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } }, 2);

    const first = await bot.api.setMyCommands([{ command: 'start', description: 'Start here' }]).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(GrammyError);
    expect(first).toMatchObject({ error_code: 400, description: 'Bad Request: BOT_COMMAND_INVALID' });
    expect(telegram.myCommands).toEqual([]);
    await bot.api.setMyCommands([{ command: 'start', description: 'Start here' }]);
    expect(telegram.myCommands).toEqual([{ commands: [{ command: 'start', description: 'Start here' }] }]);

    const init = await bot.init().catch((e: unknown) => e);
    expect(init).toMatchObject({ error_code: 401, description: 'Unauthorized' });
    // grammY retries 5xx on init: two refusals, then it works.
    telegram.failNext('getMe', { error_code: 500, description: 'Internal Server Error' }, 2);
    const before = telegram.calls.filter((c) => c.method === 'getMe').length;
    await bot.init();
    expect(bot.botInfo.username).toBe('caravan_test_bot');
    expect(telegram.calls.filter((c) => c.method === 'getMe').length - before).toBe(3);

    for (let n = 0; n < 2; n++)
      expect(await bot.api.sendMessage(ada.id, 'hi').catch((e: unknown) => e)).toMatchObject({ error_code: 429, parameters: { retry_after: 3 } });
    await bot.api.sendMessage(ada.id, 'hi');
    expect(telegram.messagesTo(ada.id).map((m) => m.text)).toEqual(['hi']);

    // Telegram's own rule for command names.
    const upper = await bot.api.setMyCommands([{ command: 'Start', description: 'x' }]).catch((e: unknown) => e);
    expect(upper).toMatchObject({ error_code: 400, description: 'Bad Request: BOT_COMMAND_INVALID' });
  });

  it('runs in webhook mode: POSTs each update with the secret header, in order per chat, retrying failures', async () => {
    const telegram = await startFake();
    const bot = newBot(telegram);
    const active = new Map<number, number>();
    let acrossChats = false;
    let withinChat = false;
    bot.on('message:text', async (ctx) => {
      const mine = (active.get(ctx.chat.id) ?? 0) + 1;
      active.set(ctx.chat.id, mine);
      if (mine > 1) withinChat = true;
      if ([...active.values()].reduce((a, b) => a + b, 0) > mine) acrossChats = true;
      await new Promise((r) => setTimeout(r, 150));
      await ctx.reply(`Echo ${ctx.message.text}`);
      active.set(ctx.chat.id, active.get(ctx.chat.id)! - 1);
    });
    const handle = webhookCallback(bot, 'http', { secretToken: 'sesame_42' });
    const headers: Array<string | undefined> = [];
    let refuseFirst = true;
    const { url } = await listen((req, res) => {
      headers.push(req.headers['x-telegram-bot-api-secret-token'] as string | undefined);
      if (refuseFirst) {
        refuseFirst = false;
        req.resume();
        res.writeHead(500).end();
        return;
      }
      void handle(req, res);
    });

    await bot.api.setWebhook(url, { secret_token: 'sesame_42' });
    expect(telegram.webhook).toMatchObject({ url, secret_token: 'sesame_42' });
    const polling = await bot.api.getUpdates().catch((e: unknown) => e);
    expect(polling).toMatchObject({
      error_code: 409,
      description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    });

    for (const text of ['one', 'two', 'three']) telegram.sendText(ada, text);
    telegram.sendText(bob, 'bob');
    await telegram.waitForMessage(ada.id, (m) => m.text === 'Echo three');
    await telegram.waitForMessage(bob.id, (m) => m.text === 'Echo bob');
    expect(telegram.messagesTo(ada.id).map((m) => m.text)).toEqual(['Echo one', 'Echo two', 'Echo three']);
    await until(() => telegram.webhookDeliveries.filter((d) => d.status === 200).length === 4);
    expect(withinChat).toBe(false); // one update at a time per chat…
    expect(acrossChats).toBe(true); // …while Ada's and Bob's chats ran side by side,
    expect(headers.every((h) => h === 'sesame_42')).toBe(true);
    // and the refused delivery was retried before Ada's later updates went out.
    const statuses = telegram.webhookDeliveries.map((d) => d.status);
    expect(statuses.filter((s) => s === 500)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    const firstId = telegram.webhookDeliveries[0]!.update_id;
    expect(telegram.webhookDeliveries.filter((d) => d.update_id === firstId).map((d) => d.status)).toEqual([500, 200]);
    const info = await bot.api.getWebhookInfo();
    expect(info).toMatchObject({ url, pending_update_count: 0, last_error_message: 'Wrong response from the webhook: 500 Internal Server Error' });

    // Back to polling: updates wait for getUpdates.
    await bot.api.deleteWebhook();
    telegram.sendText(ada, 'polled');
    const updates = await bot.api.getUpdates({ timeout: 0 });
    expect(updates.map((u) => u.message?.text)).toEqual(['polled']);
    expect(telegram.webhookDeliveries).toHaveLength(5);
  });

  it('keeps retrying an unreachable webhook and delivers once the receiver is up', async () => {
    const telegram = await startFake();
    const bot = newBot(telegram);
    bot.on('message:text', (ctx) => ctx.reply(`Got ${ctx.message.text}`));
    const handle = webhookCallback(bot, 'http');
    const probe = await listen(() => {});
    const port = Number(new URL(probe.url).port);
    await new Promise<void>((r) => probe.server.close(() => r()));

    await bot.api.setWebhook(`http://127.0.0.1:${port}/hook`);
    telegram.sendText(ada, 'hello');
    await until(() => telegram.webhookDeliveries.length >= 2);
    expect(telegram.webhookDeliveries.every((d) => d.status === 'unreachable')).toBe(true);
    expect((await bot.api.getWebhookInfo()).last_error_message).toBe('Connection refused');
    expect((await bot.api.getWebhookInfo()).pending_update_count).toBe(1);

    const server = http.createServer((req, res) => void handle(req, res));
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        }),
    );
    await telegram.waitForMessage(ada.id, (m) => m.text === 'Got hello');
    await until(() => telegram.webhookDeliveries.at(-1)!.status === 200);
    expect(telegram.webhookDeliveries.filter((d) => d.status === 200)).toHaveLength(1);
    expect((await bot.api.getWebhookInfo()).pending_update_count).toBe(0);
    await bot.api.deleteWebhook();
  });

  it('enforces the flood limit when asked: 429 with retry_after past it, and auto-retry delivers every message once', async () => {
    const telegram = await startFake({ rateLimit: { messagesPerSecond: 5 } });
    const raw = newBot(telegram).api;
    const answers = await Promise.all(Array.from({ length: 7 }, (_, n) => raw.sendMessage(9000 + n, `raw ${n}`).catch((e: unknown) => e)));
    const refused = answers.filter((a) => a instanceof GrammyError);
    expect(refused).toHaveLength(2);
    expect(refused[0]).toMatchObject({ error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } });
    expect(telegram.rateLimited).toBe(2);
    // Refused calls send nothing; other methods are not counted.
    expect(telegram.sent).toHaveLength(5);
    await raw.getMe();

    const bot = newBot(telegram);
    bot.api.config.use(autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 5 }));
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 12 }, (_, n) => bot.api.sendMessage(7000 + n, `note ${n}`)));
    // 12 messages at 5 a second: three windows, so at least two seconds.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
    expect(telegram.rateLimited).toBeGreaterThan(2);
    const texts = telegram.sent.filter((m) => m.text.startsWith('note')).map((m) => `${m.chat_id}:${m.text}`);
    expect(texts.sort()).toEqual(Array.from({ length: 12 }, (_, n) => `${7000 + n}:note ${n}`).sort());
  });

  it('has no flood limit unless asked for', async () => {
    const telegram = await startFake();
    const bot = newBot(telegram);
    await Promise.all(Array.from({ length: 60 }, (_, n) => bot.api.sendMessage(8000 + n, 'hi')));
    expect(telegram.sent).toHaveLength(60);
    expect(telegram.rateLimited).toBe(0);
  });

  it('carries out a call received in full even when the client is gone before the answer (killed mid-call), as Telegram does', async () => {
    const telegram = await startFake();
    const body = JSON.stringify({ chat_id: 4242, text: 'sent just before a crash' });
    const { port } = new URL(telegram.apiRoot);
    // The whole request, then the connection closed at once: what a process killed right after writing leaves.
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.on('error', () => {});
    cleanups.push(async () => void socket.destroy());
    await new Promise<void>((resolve) =>
      socket.once('connect', () =>
        socket.end(`POST /bot${telegram.token}/sendMessage HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, () => resolve()),
      ),
    );
    await until(() => telegram.sent.length === 1);
    expect(telegram.messagesTo(4242).map((m) => m.text)).toEqual(['sent just before a crash']);
  });
});
