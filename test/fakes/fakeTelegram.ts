import http from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';

/** A Telegram user as the fake server knows them. */
export type FakeUser = { id: number; first_name: string; username?: string };

/** A message the bot sent, with every text it has had (edits appended). */
export type BotMessage = {
  message_id: number;
  chat_id: number;
  text: string;
  history: string[];
  photo?: { bytes: Buffer; fileName: string } | undefined;
};

type Update = Record<string, unknown> & { update_id: number };

/**
 * A local stand-in for the Telegram Bot API, enough for the real grammY client: long polling,
 * messages and edits (with Telegram's own errors), getFile and file downloads, photo uploads.
 * Tests play the user: `sendText`, `sendDocument`; and read the bot: `waitForMessage`.
 */
export class FakeTelegram {
  readonly token: string;
  private server: http.Server;
  private updates: Update[] = [];
  private nextUpdateId = 1;
  private nextMessageId = 1000;
  private waiters: Array<() => void> = [];
  private files = new Map<string, { bytes: Buffer; size: number; path: string }>();
  readonly sent: BotMessage[] = [];
  /** Every Bot API call the bot made: method and parameters. */
  readonly calls: Array<{ method: string; params: Record<string, unknown> }> = [];
  private changeListeners: Array<() => void> = [];

  constructor(token = '123456:TEST-token') {
    this.token = token;
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
    for (const w of this.waiters.splice(0)) w();
    await new Promise<void>((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }

  /** The user sends a text message (commands get a bot_command entity, as Telegram does). */
  sendText(user: FakeUser, text: string): number {
    const message_id = this.nextMessageId++;
    const entities = text.startsWith('/')
      ? [{ type: 'bot_command', offset: 0, length: text.split(/\s/)[0]!.length }]
      : undefined;
    this.push({
      message: { message_id, date: now(), chat: { id: user.id, type: 'private', first_name: user.first_name }, from: { ...user, is_bot: false }, text, ...(entities ? { entities } : {}) },
    });
    return message_id;
  }

  /** The user sends a file as a document. `declaredSize` lets a test lie like a broken client would. */
  sendDocument(user: FakeUser, doc: { fileName: string; bytes: Buffer; mimeType?: string; declaredSize?: number }): string {
    const file_id = `file-${this.files.size + 1}-${Math.random().toString(36).slice(2)}`;
    const size = doc.declaredSize ?? doc.bytes.length;
    this.files.set(file_id, { bytes: doc.bytes, size, path: `documents/${file_id}_${encodeURIComponent(doc.fileName)}` });
    this.push({
      message: {
        message_id: this.nextMessageId++,
        date: now(),
        chat: { id: user.id, type: 'private', first_name: user.first_name },
        from: { ...user, is_bot: false },
        document: {
          file_id,
          file_unique_id: `u${file_id}`,
          file_name: doc.fileName,
          mime_type: doc.mimeType ?? 'application/octet-stream',
          file_size: size,
        },
      },
    });
    return file_id;
  }

  /** Messages the bot sent to `chatId`, oldest first. */
  messagesTo(chatId: number): BotMessage[] {
    return this.sent.filter((m) => m.chat_id === chatId);
  }

  /** Waits until a bot message to `chatId` (sent or edited) satisfies `predicate`. */
  waitForMessage(chatId: number, predicate: (m: BotMessage) => boolean, timeoutMs = 30_000): Promise<BotMessage> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.messagesTo(chatId).find(predicate);
        if (hit) {
          cleanup();
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        const seen = this.messagesTo(chatId).map((m) => `#${m.message_id}: ${m.text}`).join('\n---\n');
        reject(new Error(`No matching bot message within ${timeoutMs} ms. Messages to ${chatId}:\n${seen || '(none)'}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.changeListeners = this.changeListeners.filter((l) => l !== check);
      };
      this.changeListeners.push(check);
      check();
    });
  }

  private push(update: Omit<Update, 'update_id'>) {
    this.updates.push({ update_id: this.nextUpdateId++, ...update });
    for (const w of this.waiters.splice(0)) w();
  }

  private changed() {
    for (const l of [...this.changeListeners]) l();
  }

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
    const method = m[2]!;
    const params = await readParams(req);
    this.calls.push({ method, params });
    const ok = (result: unknown) => reply(res, 200, { ok: true, result });
    const bad = (description: string) => reply(res, 400, { ok: false, error_code: 400, description: `Bad Request: ${description}` });

    switch (method) {
      case 'getMe':
        return ok({ id: 42, is_bot: true, first_name: 'Caravan', username: 'caravan_test_bot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false });
      case 'deleteWebhook':
      case 'setMyCommands':
      case 'answerCallbackQuery':
        return ok(true);
      case 'getUpdates': {
        const offset = Number(params.offset ?? 0);
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
        return ok(this.updates.filter((u) => u.update_id >= offset));
      }
      case 'sendMessage': {
        const text = String(params.text ?? '');
        if (!text) return bad('message text is empty');
        if (text.length > 4096) return bad('message is too long');
        const msg: BotMessage = { message_id: this.nextMessageId++, chat_id: Number(params.chat_id), text, history: [text] };
        this.sent.push(msg);
        this.changed();
        return ok({ message_id: msg.message_id, date: now(), chat: { id: msg.chat_id, type: 'private' }, text });
      }
      case 'editMessageText': {
        const msg = this.sent.find((s) => s.message_id === Number(params.message_id) && s.chat_id === Number(params.chat_id));
        if (!msg) return bad('message to edit not found');
        const text = String(params.text ?? '');
        if (text === msg.text)
          return bad('message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
        msg.text = text;
        msg.history.push(text);
        this.changed();
        return ok({ message_id: msg.message_id, date: now(), chat: { id: msg.chat_id, type: 'private' }, text });
      }
      case 'sendPhoto': {
        const photo = params.photo as { bytes: Buffer; fileName: string } | undefined;
        const caption = String(params.caption ?? '');
        const msg: BotMessage = { message_id: this.nextMessageId++, chat_id: Number(params.chat_id), text: caption, history: [caption], photo };
        this.sent.push(msg);
        this.changed();
        return ok({ message_id: msg.message_id, date: now(), chat: { id: msg.chat_id, type: 'private' }, photo: [{ file_id: 'p', file_unique_id: 'p', width: 1, height: 1 }] });
      }
      case 'getFile': {
        const file = this.files.get(String(params.file_id));
        if (!file) return bad('invalid file_id');
        if (file.size > 20 * 1024 * 1024) return bad('file is too big');
        return ok({ file_id: params.file_id, file_unique_id: `u${String(params.file_id)}`, file_size: file.size, file_path: file.path });
      }
      default:
        return bad(`method ${method} is not implemented by the fake`);
    }
  }
}

function now() {
  return Math.floor(Date.now() / 1000);
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
