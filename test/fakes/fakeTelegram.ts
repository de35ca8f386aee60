import http from 'node:http';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';

/** A Telegram user as the fake server knows them. */
export type FakeUser = { id: number; first_name: string; username?: string };

/** A group or supergroup the user writes in (ids of groups are negative, as Telegram's are). */
export type FakeGroupChat = { id: number; type: 'group' | 'supergroup'; title: string };

/** A chat that sends on its own behalf: a channel (linked or posting), or a supergroup's anonymous admin. */
export type FakeSenderChat = { id: number; type: 'channel' | 'supergroup'; title: string };

/** One inline keyboard button, as the bot sent it (callback and URL buttons are the ones tests press or read). */
export type InlineButton = { text: string; callback_data?: string; url?: string } & Record<string, unknown>;

/** An inline keyboard: rows of buttons. */
export type InlineKeyboard = InlineButton[][];

/** A message the bot sent, with every text it has had (edits appended). */
export type BotMessage = {
  message_id: number;
  chat_id: number;
  text: string;
  history: string[];
  photo?: { bytes: Buffer; fileName: string } | undefined;
  /** The inline keyboard the message shows now, if any. */
  markup?: InlineKeyboard | undefined;
  /** Every inline keyboard the message has shown, in order (`undefined` where it showed none). */
  markups: Array<InlineKeyboard | undefined>;
  date: number;
};

/** An error a Bot API method answers with. */
export type BotApiError = { error_code: number; description: string; parameters?: { retry_after?: number; migrate_to_chat_id?: number } };

/** The webhook as last set with `setWebhook`. */
export type FakeWebhook = { url: string; secret_token?: string | undefined; allowed_updates?: string[] | undefined; max_connections: number };

type Update = Record<string, unknown> & { update_id: number };
type Json = Record<string, unknown>;
type Reply = { status: number; body: Json };

/** Telegram's placeholder senders for messages sent on behalf of a chat. */
const CHANNEL_BOT = { id: 136817688, is_bot: true, first_name: 'Channel', username: 'Channel_Bot' };
const GROUP_ANONYMOUS_BOT = { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' };
const BOT_USER = { id: 42, is_bot: true, first_name: 'Caravan', username: 'caravan_test_bot' };
/** Update types Telegram leaves out unless `allowed_updates` names them. */
const OPT_IN_UPDATES = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);
const CHAT_ACTIONS = new Set([
  'typing', 'upload_photo', 'record_video', 'upload_video', 'record_voice', 'upload_voice',
  'upload_document', 'choose_sticker', 'find_location', 'record_video_note', 'upload_video_note',
]);
const NOT_MODIFIED =
  'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';
const QUERY_INVALID = 'query is too old and response timeout expired or query ID is invalid';
/** Methods that send a message: what Telegram's broadcast limit counts. */
const SENDING_METHODS = new Set(['sendMessage', 'sendPhoto']);

/** Telegram's flood limit on sending, when a test opts in (off by default). */
export type FakeTelegramRateLimit = {
  /** Messages the bot may send per second, across all chats (Telegram: about 30). */
  messagesPerSecond: number;
};

/** A refusal a method answers with, thrown inside the fake and turned into `{ ok: false, … }`. */
class Refusal {
  constructor(readonly error: BotApiError) {}
}
const badRequest = (description: string) => new Refusal({ error_code: 400, description: `Bad Request: ${description}` });

/**
 * A local stand-in for the Telegram Bot API, enough for the real grammY client: long polling and
 * webhooks (with the secret header, per-chat ordering and retries), messages and edits with
 * inline keyboards (with Telegram's own errors), callback queries, private and group chats
 * (including messages sent on behalf of a channel or an anonymous admin, and privacy mode),
 * getFile and file downloads, photo uploads, refusals on demand (`failNext`), and, when asked
 * for (`rateLimit`), Telegram's flood limit on sending (429 with `retry_after`).
 * Tests play the user: `sendText`, `sendDocument`, `pressButton`; and read the bot:
 * `waitForMessage`, `waitForCallbackAnswer`.
 */
export class FakeTelegram {
  readonly token: string;
  /**
   * Whether the bot runs in privacy mode (Telegram's default; `getMe` reports it): in groups it
   * receives only commands (`/cmd`, `/cmd@this_bot`) and replies to its own messages.
   */
  readonly privacyMode: boolean;
  readonly sent: BotMessage[] = [];
  /** Every Bot API call the bot made: method and parameters. */
  readonly calls: Array<{ method: string; params: Record<string, unknown> }> = [];
  /** Answers to callback queries, by query id. */
  readonly callbackAnswers = new Map<string, { text?: string; show_alert?: boolean; url?: string }>();
  /** Every successful `setMyCommands`: the commands, with scope and language when given. */
  readonly myCommands: Array<{ commands: Array<{ command: string; description: string }>; scope?: unknown; language_code?: string }> = [];
  /** Every webhook delivery attempt: the update and the receiver's HTTP status, or `'unreachable'`. */
  readonly webhookDeliveries: Array<{ update_id: number; status: number | 'unreachable' }> = [];
  /** Group messages privacy mode kept from the bot. */
  readonly withheld: Array<{ chat_id: number; message_id: number; text: string }> = [];
  /** The webhook while one is set (`setWebhook`), else undefined: the bot polls. */
  webhook: FakeWebhook | undefined;
  /** How many calls were refused with 429 Too Many Requests (only with `rateLimit`). */
  rateLimited = 0;
  readonly rateLimit: FakeTelegramRateLimit | undefined;

  private server: http.Server;
  private updates: Update[] = [];
  private nextUpdateId = 1;
  private nextMessageId = 1000;
  private nextQueryId = 1n;
  private waiters: Array<() => void> = [];
  private files = new Map<string, { bytes: Buffer; size: number; path: string }>();
  private chats = new Map<number, Json>();
  private queries = new Map<string, { answered: boolean }>();
  private failures = new Map<string, BotApiError[]>();
  private allowedUpdates: string[] = [];
  private changeListeners: Array<() => void> = [];
  /** Chats with an update being delivered to the webhook (or waiting to be retried). */
  private busyChats = new Set<string>();
  private retryTimers = new Set<NodeJS.Timeout>();
  private lastError: { date: number; message: string } | undefined;
  private stopped = false;
  /** The current one-second window of the flood limit: when it opened and what was sent in it. */
  private floodWindow = { start: 0, sent: 0 };

  /**
   * @param options.rateLimit - enforce Telegram's flood limit: sending methods past
   *   `messagesPerSecond` within a second answer 429 `Too Many Requests: retry after N` with
   *   `parameters.retry_after` (whole seconds, as Telegram sends them); refused calls send nothing.
   */
  constructor(token = '123456:TEST-token', options: { privacyMode?: boolean; rateLimit?: FakeTelegramRateLimit } = {}) {
    this.token = token;
    this.privacyMode = options.privacyMode ?? true;
    this.rateLimit = options.rateLimit;
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return this.apiRoot;
  }

  get apiRoot(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    for (const w of this.waiters.splice(0)) w();
    await new Promise<void>((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }

  /**
   * The user sends a text message (commands get a bot_command entity, as Telegram does), in their
   * private chat with the bot or in `chat`; with `senderChat` it is sent on behalf of that chat and
   * `from` is Telegram's placeholder (Channel_Bot for a channel, GroupAnonymousBot for an anonymous
   * admin). `replyTo` makes it a reply to one of the bot's messages. In privacy mode a group
   * message that is neither a command for this bot nor a reply to it is not delivered (see `withheld`).
   */
  sendText(user: FakeUser, text: string, options: { chat?: FakeGroupChat; senderChat?: FakeSenderChat; replyTo?: number } = {}): number {
    const command = /^\/([A-Za-z0-9_]+)(@[A-Za-z0-9_]+)?/.exec(text);
    const entities = command ? [{ type: 'bot_command', offset: 0, length: command[0].length }] : undefined;
    const message_id = this.userMessage(user, options, { text, ...(entities ? { entities } : {}) }, () => {
      if (command) return !command[2] || command[2].slice(1).toLowerCase() === BOT_USER.username.toLowerCase();
      return false;
    });
    return message_id;
  }

  /** The user sends a file as a document (same chat options as `sendText`). `declaredSize` lets a test lie like a broken client would. */
  sendDocument(
    user: FakeUser,
    doc: { fileName: string; bytes: Buffer; mimeType?: string; declaredSize?: number },
    options: { chat?: FakeGroupChat; senderChat?: FakeSenderChat; replyTo?: number } = {},
  ): string {
    const file_id = `file-${this.files.size + 1}-${Math.random().toString(36).slice(2)}`;
    const size = doc.declaredSize ?? doc.bytes.length;
    this.files.set(file_id, { bytes: doc.bytes, size, path: `documents/${file_id}_${encodeURIComponent(doc.fileName)}` });
    const document = { file_id, file_unique_id: `u${file_id}`, file_name: doc.fileName, mime_type: doc.mimeType ?? 'application/octet-stream', file_size: size };
    this.userMessage(user, options, { document }, () => false);
    return file_id;
  }

  /**
   * The user presses the inline button with `callbackData` on `message`: a `callback_query` update.
   * Throws if the message shows no such button, or the user cannot see the message (another
   * user's private chat); `pressRaw` skips those checks. Returns the query id.
   */
  pressButton(user: FakeUser, message: BotMessage, callbackData: string): string {
    const buttons = (message.markup ?? []).flat();
    if (!buttons.some((b) => b.callback_data === callbackData)) {
      const shown = buttons.filter((b) => b.callback_data !== undefined).map((b) => `"${b.text}" → ${b.callback_data}`);
      throw new Error(`Message ${message.message_id} has no button with callback_data "${callbackData}" (it shows: ${shown.join(', ') || 'no callback buttons'})`);
    }
    if (message.chat_id > 0 && message.chat_id !== user.id) throw new Error(`Message ${message.message_id} is in the private chat of ${message.chat_id}, not of user ${user.id}`);
    return this.pressRaw(user, { chatId: message.chat_id, messageId: message.message_id, data: callbackData });
  }

  /** A callback query with any data, for any message id (a forged or stale button, as an old message could send). */
  pressRaw(user: FakeUser, raw: { chatId: number; messageId: number; data: string }): string {
    if (raw.chatId === user.id) this.chats.set(user.id, privateChat(user));
    const id = `${BigInt(user.id) * 1000003n + this.nextQueryId++}`;
    this.queries.set(id, { answered: false });
    const msg = this.sent.find((m) => m.chat_id === raw.chatId && m.message_id === raw.messageId);
    // A message the bot cannot reach any more arrives as an InaccessibleMessage (date 0).
    const message = msg ? this.apiMessage(msg) : { chat: this.chatObject(raw.chatId), message_id: raw.messageId, date: 0 };
    this.push({
      callback_query: { id, from: { ...user, is_bot: false }, message, chat_instance: chatInstance(raw.chatId), data: raw.data },
    });
    return id;
  }

  /** Messages the bot sent to `chatId` (a user, or a group's negative id), oldest first. */
  messagesTo(chatId: number): BotMessage[] {
    return this.sent.filter((m) => m.chat_id === chatId);
  }

  /** Waits until a bot message to `chatId` (sent or edited) satisfies `predicate`. */
  waitForMessage(chatId: number, predicate: (m: BotMessage) => boolean, timeoutMs = 30_000): Promise<BotMessage> {
    return this.waitFor(
      () => this.messagesTo(chatId).find(predicate),
      timeoutMs,
      () => {
        const seen = this.messagesTo(chatId).map((m) => `#${m.message_id}: ${m.text}`).join('\n---\n');
        return `No matching bot message within ${timeoutMs} ms. Messages to ${chatId}:\n${seen || '(none)'}`;
      },
    );
  }

  /** Waits until the bot answers callback query `queryId` (`answerCallbackQuery`). */
  waitForCallbackAnswer(queryId: string, timeoutMs = 30_000): Promise<{ text?: string; show_alert?: boolean; url?: string }> {
    return this.waitFor(() => this.callbackAnswers.get(queryId), timeoutMs, () => `Callback query ${queryId} was not answered within ${timeoutMs} ms`);
  }

  /**
   * The next `times` calls of Bot API method `method` answer `error` instead of working
   * (e.g. `{ error_code: 500, description: 'Internal Server Error' }`, or 401 `Unauthorized` for getMe).
   * The calls are still recorded in `calls`.
   */
  failNext(method: string, error: BotApiError, times = 1): void {
    const queue = this.failures.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(error);
    this.failures.set(method, queue);
  }

  /**
   * Holds the next call of `method` to chat `chatId` until the returned function is called, as a
   * slow network or a busy Telegram would: the bot's handler waits on it meanwhile.
   */
  holdNext(method: string, chatId: number): () => void {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    this.holds.push({ method, chatId, held });
    return release;
  }

  private holds: Array<{ method: string; chatId: number; held: Promise<void> }> = [];

  private waitFor<T>(find: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = find();
        if (hit !== undefined) {
          cleanup();
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(describe()));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.changeListeners = this.changeListeners.filter((l) => l !== check);
      };
      this.changeListeners.push(check);
      check();
    });
  }

  /** Queues a message from the user, in their private chat or a group, as Telegram shapes it. */
  private userMessage(
    user: FakeUser,
    options: { chat?: FakeGroupChat; senderChat?: FakeSenderChat; replyTo?: number },
    content: Json,
    meantForBot: () => boolean,
  ): number {
    const message_id = this.nextMessageId++;
    const chat: Json = options.chat ? { ...options.chat } : privateChat(user);
    const chatId = Number(chat.id);
    if (options.chat && options.chat.id >= 0) throw new Error(`Group chat ids are negative in Telegram, not ${options.chat.id}`);
    if (options.senderChat && !options.chat) throw new Error('senderChat needs a group `chat`: private chats have no sender_chat');
    this.chats.set(chatId, chat);
    const from = options.senderChat ? (options.senderChat.type === 'channel' ? CHANNEL_BOT : GROUP_ANONYMOUS_BOT) : { ...user, is_bot: false };
    let reply: Json | undefined;
    if (options.replyTo !== undefined) {
      const target = this.sent.find((m) => m.chat_id === chatId && m.message_id === options.replyTo);
      if (!target) throw new Error(`The bot sent no message ${options.replyTo} to chat ${chatId}`);
      reply = this.apiMessage(target);
    }
    const message: Json = {
      message_id,
      date: now(),
      chat,
      from,
      ...(options.senderChat ? { sender_chat: { ...options.senderChat } } : {}),
      ...(reply ? { reply_to_message: reply } : {}),
      ...content,
    };
    if (options.chat && this.privacyMode && !reply && !meantForBot()) {
      this.withheld.push({ chat_id: chatId, message_id, text: String(content.text ?? '') });
      return message_id;
    }
    this.push({ message });
    return message_id;
  }

  private push(update: Omit<Update, 'update_id'>) {
    const type = Object.keys(update)[0]!;
    const wanted = this.allowedUpdates.length ? this.allowedUpdates.includes(type) : !OPT_IN_UPDATES.has(type);
    const update_id = this.nextUpdateId++;
    // Telegram does not keep updates of types the bot did not ask for.
    if (!wanted) return;
    this.updates.push({ update_id, ...update });
    for (const w of this.waiters.splice(0)) w();
    this.pump();
  }

  private changed() {
    for (const l of [...this.changeListeners]) l();
  }

  private chatObject(chatId: number): Json {
    return this.chats.get(chatId) ?? { id: chatId, type: chatId > 0 ? 'private' : 'group', ...(chatId > 0 ? { first_name: 'User' } : { title: 'Group' }) };
  }

  /** A bot message as the Bot API returns it. */
  private apiMessage(msg: BotMessage): Json {
    return {
      message_id: msg.message_id,
      from: BOT_USER,
      date: msg.date,
      chat: this.chatObject(msg.chat_id),
      ...(msg.photo ? { photo: [{ file_id: 'p', file_unique_id: 'p', width: 1, height: 1 }], ...(msg.text ? { caption: msg.text } : {}) } : { text: msg.text }),
      ...(msg.history.length > 1 ? { edit_date: now() } : {}),
      ...(msg.markup ? { reply_markup: { inline_keyboard: msg.markup } } : {}),
    };
  }

  // ── webhook delivery ───────────────────────────────────────────────────────

  /**
   * Posts queued updates to the webhook: one at a time per chat, in order; chats in parallel.
   * A failed delivery is retried with a short backoff and holds back that chat's later updates.
   */
  private pump() {
    if (!this.webhook || this.stopped) return;
    const blocked = new Set(this.busyChats);
    for (const u of this.updates) {
      const key = chatKey(u);
      if (blocked.has(key)) continue;
      blocked.add(key);
      this.busyChats.add(key);
      void this.deliver(u, key, 0);
    }
  }

  private async deliver(u: Update, key: string, attempt: number): Promise<void> {
    const hook = this.webhook;
    if (!hook || this.stopped) {
      this.busyChats.delete(key);
      return;
    }
    let status: number | 'unreachable';
    let reply = '';
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(hook.secret_token ? { 'X-Telegram-Bot-Api-Secret-Token': hook.secret_token } : {}) },
        body: JSON.stringify(u),
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
      reply = await res.text();
      if (status < 200 || status > 299) this.lastError = { date: now(), message: `Wrong response from the webhook: ${status} ${res.statusText}` };
    } catch (err) {
      status = 'unreachable';
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      this.lastError = { date: now(), message: cause === 'ECONNREFUSED' ? 'Connection refused' : `Connection failed: ${String(err)}` };
    }
    if (this.stopped) return;
    this.webhookDeliveries.push({ update_id: u.update_id, status });
    if (typeof status === 'number' && status >= 200 && status <= 299) {
      this.updates = this.updates.filter((x) => x !== u);
      // A webhook may answer with one Bot API method call in its response body; Telegram runs it.
      await this.runWebhookReply(reply);
      this.busyChats.delete(key);
      this.changed();
      this.pump();
      return;
    }
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (!this.webhook) {
        this.busyChats.delete(key);
        return;
      }
      void this.deliver(u, key, attempt + 1);
    }, Math.min(50 * 2 ** attempt, 1000));
    this.retryTimers.add(timer);
  }

  private async runWebhookReply(raw: string) {
    if (!raw.trim()) return;
    try {
      const body = JSON.parse(raw) as Json;
      if (typeof body.method === 'string') {
        const { method, ...params } = body;
        await this.call(method as string, params);
      }
    } catch {
      // Telegram ignores a webhook response it cannot read.
    }
  }

  // ── Bot API ────────────────────────────────────────────────────────────────

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x');
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (fileMatch) {
      const file = [...this.files.values()].find((f) => f.path === decodeURIComponent(fileMatch[2]!));
      if (fileMatch[1] !== this.token || !file) return reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.bytes.length });
      return res.end(file.bytes);
    }
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!m) return reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (m[1] !== this.token) return reply(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const params = await readParams(req);
    const answer = await this.call(m[2]!, params);
    reply(res, answer.status, answer.body);
  }

  /** Runs one Bot API method: from HTTP, or from a webhook's reply. */
  private async call(method: string, params: Json): Promise<Reply> {
    this.calls.push({ method, params });
    const hold = this.holds.findIndex((h) => h.method === method && Number(params.chat_id) === h.chatId);
    if (hold !== -1) await this.holds.splice(hold, 1)[0]!.held;
    const failure = this.failures.get(method)?.shift();
    if (failure) return { status: failure.error_code, body: { ok: false, ...failure } };
    const flood = this.floodCheck(method);
    if (flood) {
      this.rateLimited += 1;
      return { status: 429, body: { ok: false, ...flood } };
    }
    try {
      const result = await this.run(method, params);
      return { status: 200, body: { ok: true, ...(isDescribed(result) ? { result: result.result, description: result.description } : { result }) } };
    } catch (err) {
      if (err instanceof Refusal) return { status: err.error.error_code, body: { ok: false, ...err.error } };
      throw err;
    }
  }

  /**
   * Counts a sending call against the flood limit; returns Telegram's 429 when the second's
   * allowance is spent. The window opens with the first message after the last one closed.
   */
  private floodCheck(method: string): BotApiError | undefined {
    if (!this.rateLimit || !SENDING_METHODS.has(method)) return undefined;
    const t = Date.now();
    if (t >= this.floodWindow.start + 1000) this.floodWindow = { start: t, sent: 0 };
    if (this.floodWindow.sent < this.rateLimit.messagesPerSecond) {
      this.floodWindow.sent += 1;
      return undefined;
    }
    const retryAfter = Math.max(1, Math.ceil((this.floodWindow.start + 1000 - t) / 1000));
    return { error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } };
  }

  private async run(method: string, params: Json): Promise<unknown> {
    switch (method) {
      case 'getMe':
        return { ...BOT_USER, can_join_groups: true, can_read_all_group_messages: !this.privacyMode, supports_inline_queries: false };
      case 'setMyCommands': {
        const commands = parseJson(params.commands, 'commands') as Array<{ command: string; description: string }>;
        if (!Array.isArray(commands) || commands.length > 100) throw badRequest('BOT_COMMANDS_TOO_MUCH');
        for (const c of commands) {
          if (typeof c.command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(c.command)) throw badRequest('BOT_COMMAND_INVALID');
          if (typeof c.description !== 'string' || c.description.length < 1 || c.description.length > 256) throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
        }
        this.myCommands.push({
          commands: commands.map((c) => ({ command: c.command, description: c.description })),
          ...(params.scope !== undefined ? { scope: parseJson(params.scope, 'scope') } : {}),
          ...(typeof params.language_code === 'string' ? { language_code: params.language_code } : {}),
        });
        return true;
      }
      case 'sendChatAction':
        if (!CHAT_ACTIONS.has(String(params.action))) throw badRequest('wrong parameter action in request');
        return true;
      case 'answerCallbackQuery': {
        const id = String(params.callback_query_id ?? '');
        const query = this.queries.get(id);
        if (!query || query.answered) throw badRequest(QUERY_INVALID);
        query.answered = true;
        this.callbackAnswers.set(id, {
          ...(params.text !== undefined ? { text: String(params.text) } : {}),
          ...(params.show_alert !== undefined ? { show_alert: params.show_alert === true || params.show_alert === 'true' } : {}),
          ...(params.url !== undefined ? { url: String(params.url) } : {}),
        });
        this.changed();
        return true;
      }
      case 'setWebhook': {
        const url = String(params.url ?? '');
        if (url === '') return this.removeWebhook(params);
        let parsed: URL;
        try {
          parsed = new URL(url);
        } catch {
          throw badRequest('bad webhook: Failed to resolve host: Name or service not known');
        }
        // Real Telegram wants HTTPS; the fake lets local receivers in tests use plain HTTP.
        const local = parsed.hostname === '127.0.0.1' || parsed.hostname === 'localhost';
        if (parsed.protocol !== 'https:' && !(local && parsed.protocol === 'http:')) throw badRequest('bad webhook: An HTTPS URL must be provided for webhook');
        const secret = params.secret_token === undefined ? undefined : String(params.secret_token);
        if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) throw badRequest('secret token contains unallowed characters');
        const allowed = params.allowed_updates === undefined ? undefined : (parseJson(params.allowed_updates, 'allowed_updates') as string[]);
        if (allowed) this.allowedUpdates = allowed;
        if (params.drop_pending_updates === true || params.drop_pending_updates === 'true') this.updates = [];
        this.webhook = { url, secret_token: secret, allowed_updates: allowed ?? this.webhook?.allowed_updates, max_connections: Number(params.max_connections ?? 40) };
        this.lastError = undefined;
        this.pump();
        return described(true, 'Webhook was set');
      }
      case 'deleteWebhook':
        return this.removeWebhook(params);
      case 'getWebhookInfo':
        return {
          url: this.webhook?.url ?? '',
          has_custom_certificate: false,
          pending_update_count: this.updates.length,
          ...(this.webhook ? { max_connections: this.webhook.max_connections, ip_address: '127.0.0.1' } : {}),
          ...(this.webhook?.allowed_updates ? { allowed_updates: this.webhook.allowed_updates } : {}),
          ...(this.lastError ? { last_error_date: this.lastError.date, last_error_message: this.lastError.message } : {}),
        };
      case 'getUpdates': {
        if (this.webhook)
          throw new Refusal({ error_code: 409, description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first" });
        const offset = Number(params.offset ?? 0);
        if (params.allowed_updates !== undefined) this.allowedUpdates = parseJson(params.allowed_updates, 'allowed_updates') as string[];
        this.updates = this.updates.filter((u) => u.update_id >= offset);
        if (this.updates.length === 0) {
          const wait = Math.min(Number(params.timeout ?? 0), 1) * 1000;
          await new Promise<void>((r) => {
            const t = setTimeout(r, wait);
            this.waiters.push(() => {
              clearTimeout(t);
              r();
            });
          });
        }
        if (this.webhook) return [];
        const limit = Math.max(1, Math.min(Number(params.limit ?? 100), 100));
        return this.updates.filter((u) => u.update_id >= offset).slice(0, limit);
      }
      case 'sendMessage': {
        const text = String(params.text ?? '');
        if (!text) throw badRequest('message text is empty');
        if (text.length > 4096) throw badRequest('message is too long');
        const markup = parseMarkup(params.reply_markup);
        const msg = this.record(Number(params.chat_id), text, undefined, markup);
        return this.apiMessage(msg);
      }
      case 'sendPhoto': {
        const photo = params.photo as { bytes: Buffer; fileName: string } | undefined;
        const caption = String(params.caption ?? '');
        if (caption.length > 1024) throw badRequest('message caption is too long');
        const markup = parseMarkup(params.reply_markup);
        const msg = this.record(Number(params.chat_id), caption, photo, markup);
        return this.apiMessage(msg);
      }
      case 'editMessageText': {
        const msg = this.findMessage(params);
        const text = String(params.text ?? '');
        if (!text) throw badRequest('message text is empty');
        if (text.length > 4096) throw badRequest('MESSAGE_TOO_LONG');
        if (msg.photo) throw badRequest('there is no text in the message to edit');
        // An edit without reply_markup removes the inline keyboard, as Telegram does.
        const markup = parseMarkup(params.reply_markup);
        if (text === msg.text && sameMarkup(markup, msg.markup)) throw badRequest(NOT_MODIFIED);
        if (text !== msg.text) {
          msg.text = text;
          msg.history.push(text);
        }
        this.setMarkup(msg, markup);
        this.changed();
        return this.apiMessage(msg);
      }
      case 'editMessageReplyMarkup': {
        const msg = this.findMessage(params);
        const markup = parseMarkup(params.reply_markup);
        if (sameMarkup(markup, msg.markup)) throw badRequest(NOT_MODIFIED);
        this.setMarkup(msg, markup);
        this.changed();
        return this.apiMessage(msg);
      }
      case 'getFile': {
        const file = this.files.get(String(params.file_id));
        if (!file) throw badRequest('invalid file_id');
        if (file.size > 20 * 1024 * 1024) throw badRequest('file is too big');
        return { file_id: params.file_id, file_unique_id: `u${String(params.file_id)}`, file_size: file.size, file_path: file.path };
      }
      default:
        throw badRequest(`method ${method} is not implemented by the fake`);
    }
  }

  private removeWebhook(params: Json) {
    const had = this.webhook !== undefined;
    this.webhook = undefined;
    if (params.drop_pending_updates === true || params.drop_pending_updates === 'true') this.updates = [];
    for (const w of this.waiters.splice(0)) w();
    return described(true, had ? 'Webhook was deleted' : 'Webhook is already deleted');
  }

  private record(chatId: number, text: string, photo: BotMessage['photo'], markup: InlineKeyboard | undefined): BotMessage {
    const msg: BotMessage = { message_id: this.nextMessageId++, chat_id: chatId, text, history: [text], photo, markup, markups: [markup], date: now() };
    this.sent.push(msg);
    this.changed();
    return msg;
  }

  private findMessage(params: Json): BotMessage {
    if (params.inline_message_id !== undefined) throw badRequest('inline messages are not supported by the fake');
    const msg = this.sent.find((s) => s.message_id === Number(params.message_id) && s.chat_id === Number(params.chat_id));
    if (!msg) throw badRequest('message to edit not found');
    return msg;
  }

  private setMarkup(msg: BotMessage, markup: InlineKeyboard | undefined) {
    if (sameMarkup(markup, msg.markup)) return;
    msg.markup = markup;
    msg.markups.push(markup);
  }
}

function now() {
  return Math.floor(Date.now() / 1000);
}

function privateChat(user: FakeUser): Json {
  return { id: user.id, type: 'private', first_name: user.first_name, ...(user.username ? { username: user.username } : {}) };
}

/** A stable, opaque id for a chat, as Telegram's `chat_instance` is. */
function chatInstance(chatId: number): string {
  return BigInt.asIntN(64, BigInt(`0x${crypto.createHash('sha256').update(`chat:${chatId}`).digest('hex').slice(0, 16)}`)).toString();
}

/** The chat an update belongs to, for per-chat ordering of webhook deliveries. */
function chatKey(u: Update): string {
  const body = Object.values(u).find((v) => typeof v === 'object' && v !== null) as Json | undefined;
  const chat = (body?.chat ?? (body?.message as Json | undefined)?.chat) as Json | undefined;
  if (chat?.id !== undefined) return `chat:${String(chat.id)}`;
  const from = body?.from as Json | undefined;
  return from?.id !== undefined ? `user:${String(from.id)}` : `update:${u.update_id}`;
}

/** A method result that comes with a `description`, as setWebhook's "Webhook was set". */
const DESCRIBED = Symbol('described');
function described(result: unknown, description: string) {
  return { [DESCRIBED]: true, result, description };
}
function isDescribed(x: unknown): x is { result: unknown; description: string } {
  return typeof x === 'object' && x !== null && DESCRIBED in x;
}

/** A parameter that arrives as JSON text in multipart requests and as a value in JSON ones. */
function parseJson(value: unknown, name: string): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw badRequest(`can't parse ${name} JSON object`);
  }
}

/**
 * Reads `reply_markup` as Telegram does. Returns the inline keyboard, or undefined for none (a
 * reply keyboard or its removal shows no inline keyboard on the message). Refuses what Telegram
 * refuses: buttons without text or action, callback_data outside 1–64 bytes, bad URLs.
 */
function parseMarkup(raw: unknown): InlineKeyboard | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  let markup: unknown;
  try {
    markup = typeof raw === 'string' ? JSON.parse(raw) : raw;
  } catch {
    throw badRequest("can't parse reply keyboard markup JSON object");
  }
  if (typeof markup !== 'object' || markup === null) throw badRequest("can't parse reply keyboard markup JSON object");
  const rows = (markup as Json).inline_keyboard;
  if (rows === undefined) return undefined;
  if (!Array.isArray(rows)) throw badRequest("Field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array");
  let count = 0;
  const keyboard = rows.map((row: unknown) => {
    if (!Array.isArray(row)) throw badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
    return row.map((b: unknown): InlineButton => {
      count += 1;
      if (typeof b !== 'object' || b === null) throw badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
      const button = b as Json;
      if (button.text === undefined) throw badRequest('can\'t parse inline keyboard button: Can\'t find field "text"');
      if (typeof button.text !== 'string') throw badRequest('can\'t parse inline keyboard button: Field "text" must be of type String');
      if (button.text.trim() === '') throw badRequest('BUTTON_TEXT_INVALID');
      const data = button.callback_data;
      const url = button.url;
      const actions = ['callback_data', 'url', 'switch_inline_query', 'switch_inline_query_current_chat', 'switch_inline_query_chosen_chat', 'web_app', 'login_url', 'callback_game', 'pay', 'copy_text'];
      // An empty callback_data counts as none, as Telegram treats it.
      if (!actions.some((a) => button[a] !== undefined && button[a] !== '')) throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
      if (data !== undefined && data !== '' && (typeof data !== 'string' || Buffer.byteLength(data, 'utf8') > 64)) throw badRequest('BUTTON_DATA_INVALID');
      if (url !== undefined && (typeof url !== 'string' || !/^(https?|tg):\/\/\S+$/.test(url))) throw badRequest('BUTTON_URL_INVALID');
      return { ...button, text: button.text } as InlineButton;
    });
  });
  if (count > 100) throw badRequest('reply markup is too long');
  return keyboard.length ? keyboard : undefined;
}

function sameMarkup(a: InlineKeyboard | undefined, b: InlineKeyboard | undefined): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

function reply(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Reads JSON or multipart parameters (grammY sends files as multipart). */
async function readParams(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    return new Promise((resolve, reject) => {
      const params: Record<string, unknown> = {};
      const bb = busboy({ headers: req.headers });
      bb.on('field', (name, value) => (params[name] = value));
      bb.on('file', (name, stream, info) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => (params[name] = { bytes: Buffer.concat(chunks), fileName: info.filename }));
      });
      bb.on('close', () => {
        // grammY sends attached files as `attach://<id>` references.
        for (const [k, v] of Object.entries(params))
          if (typeof v === 'string' && v.startsWith('attach://')) params[k] = params[v.slice('attach://'.length)];
        resolve(params);
      });
      bb.on('error', reject);
      req.pipe(bb);
    });
  }
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (!raw) return Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
  return JSON.parse(raw) as Record<string, unknown>;
}
