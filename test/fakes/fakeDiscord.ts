import http from 'node:http';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';
import { WebSocketServer, type WebSocket } from 'ws';

/** A Discord user as the fake knows them. */
export type FakeDiscordUser = { id: string; username: string; global_name?: string | null };

/** A file a user attaches to `/upload`. `declaredSize` lets a test lie like a broken client would. */
export type FakeAttachment = { fileName: string; bytes: Buffer; contentType?: string; declaredSize?: number; url?: string };

/** A message the bot posted (by interaction response, follow-up or channel REST), with every text it has had. */
export type FakeDiscordMessage = {
  id: string;
  channel_id: string;
  content: string;
  /** Every content the message has shown, in order (a deferred "thinking…" state is not one). */
  history: string[];
  ephemeral: boolean;
  /** Deferred and not yet filled in. */
  loading: boolean;
  /** How it was created: interaction response, interaction follow-up or `POST /channels/{id}/messages`. */
  via: 'interaction' | 'followup' | 'channel';
  /** How each edit arrived, in order. */
  edits: Array<'webhook' | 'channel'>;
  files: Array<{ fileName: string; bytes: Buffer }>;
};

type Channel = { id: string; type: 0 | 1; guildId?: string | undefined; recipient?: FakeDiscordUser | undefined };
type Interaction = {
  id: string;
  token: string;
  channelId: string;
  dispatchedAt: number;
  acknowledged: boolean;
  ephemeral: boolean;
  originalId?: string | undefined;
};
type Body = { json: Record<string, unknown>; files: Array<{ fileName: string; bytes: Buffer }> };
type ApiError = { status: number; code: number; message: string };

const DISCORD_EPOCH = 1420070400000n;
const EPHEMERAL = 1 << 6;
const LOADING = 1 << 7;
const DIRECT_MESSAGES_INTENT = 1 << 12;
/** Discord forgets an interaction that is not acknowledged within 3 s. */
const ACK_WINDOW_MS = 3000;

/**
 * A local stand-in for Discord, enough for the real discord.js client: REST under `/api/v10`,
 * the gateway WebSocket on `/gateway` (HELLO, IDENTIFY → READY, heartbeats, RESUME), slash
 * command interactions with resolved attachments served from its own host (the "CDN"),
 * interaction callbacks and webhooks, channel messages and edits, DM channels, and Discord's
 * own errors for what real Discord refuses (late or double acknowledgement, editing an
 * ephemeral or unknown message, closed DMs, empty or too long content).
 * Tests play the user: `slash`; and read the bot: `waitForMessage`.
 */
export class FakeDiscord {
  readonly token: string;
  readonly applicationId: string;
  readonly botUser: FakeDiscordUser & { bot: true };
  /** Slash commands as last registered with `PUT /applications/{id}/commands`. */
  commands: Array<Record<string, unknown> & { id: string; name: string }> = [];
  readonly messages: FakeDiscordMessage[] = [];
  /** Every REST call the bot made. */
  readonly calls: Array<{ method: string; path: string; body: Record<string, unknown> }> = [];
  /** Gateway IDENTIFY payloads received. */
  readonly identifies: Array<Record<string, unknown>> = [];
  /** How often each attachment was downloaded, by file name. */
  readonly downloads = new Map<string, number>();

  private server: http.Server;
  private wss: WebSocketServer;
  private sockets = new Set<WebSocket>();
  /** Identified connections and the intents each asked for. */
  private identified = new Map<WebSocket, number>();
  private sessionIntents = 0;
  private seq = 0;
  private nextId = 0n;
  private channels = new Map<string, Channel>();
  private dmChannels = new Map<string, string>();
  private closedDms = new Set<string>();
  private interactions = new Map<string, Interaction>();
  private attachments = new Map<string, { bytes: Buffer; contentType: string; fileName: string }>();
  private users = new Map<string, FakeDiscordUser>();
  private listeners: Array<() => void> = [];
  private readonly heartbeatMs: number;

  constructor(options: { token?: string; heartbeatMs?: number } = {}) {
    this.token = options.token ?? 'MTIz.fake-discord.token';
    this.heartbeatMs = options.heartbeatMs ?? 41_250;
    this.applicationId = this.snowflake();
    this.botUser = { id: this.applicationId, username: 'Caravan', global_name: null, bot: true };
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.wss = new WebSocketServer({ server: this.server, path: '/gateway' });
    this.wss.on('connection', (ws) => this.onConnection(ws));
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
  }

  /** `http://127.0.0.1:PORT`: the host of the REST API, the gateway and the attachment "CDN". */
  get root(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** What discord.js takes as `rest.api` (it appends `/v10`). */
  get apiRoot(): string {
    return `${this.root}/api`;
  }

  /** Whether a client has identified on the gateway and not disconnected. */
  get connected(): boolean {
    return this.identified.size > 0;
  }

  async stop(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
    await new Promise<void>((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }

  /** The DM channel between `user` and the bot (created on first use, as Discord does). */
  dmChannelOf(user: FakeDiscordUser): string {
    this.users.set(user.id, user);
    let id = this.dmChannels.get(user.id);
    if (!id) {
      id = this.snowflake();
      this.dmChannels.set(user.id, id);
      this.channels.set(id, { id, type: 1, recipient: user });
    }
    return id;
  }

  /** From now on the user refuses DMs from the bot: sends to their DM channel fail with 50007. */
  closeDms(user: FakeDiscordUser): void {
    this.closedDms.add(user.id);
  }

  /** A fresh text channel in a fresh guild. */
  guildChannel(): { guildId: string; channelId: string } {
    const guildId = this.snowflake();
    const channelId = this.snowflake();
    this.channels.set(channelId, { id: channelId, type: 0, guildId });
    return { guildId, channelId };
  }

  /**
   * The user runs a registered slash command (in their DM with the bot, or in `where`'s guild
   * channel). `file` becomes the `file` attachment option of `/upload`, served by this fake.
   * Returns where the answer will appear.
   */
  slash(
    user: FakeDiscordUser,
    name: string,
    options: { file?: FakeAttachment; where?: { guildId: string; channelId: string } } = {},
  ): { channelId: string; interactionId: string } {
    const command = this.commands.find((c) => c.name === name);
    if (!command) throw new Error(`/${name} is not a registered command (registered: ${this.commands.map((c) => c.name).join(', ') || 'none'})`);
    if (!this.connected) throw new Error('No bot is connected to the fake gateway.');
    this.users.set(user.id, user);
    const apiUser = toApiUser(user);
    const channelId = options.where?.channelId ?? this.dmChannelOf(user);
    const id = this.snowflake();
    const token = `aW50ZXJhY3Rpb24.${crypto.randomBytes(24).toString('base64url')}`;
    this.interactions.set(id, { id, token, channelId, dispatchedAt: Date.now(), acknowledged: false, ephemeral: false });

    const data: Record<string, unknown> = { id: command.id, name, type: 1 };
    if (options.file) {
      const attachment = this.hostAttachment(channelId, options.file);
      data.options = [{ name: 'file', type: 11, value: attachment.id }];
      data.resolved = { attachments: { [attachment.id]: { ...attachment, ephemeral: true } } };
    }
    const where = options.where;
    const payload = {
      id,
      application_id: this.applicationId,
      type: 2,
      token,
      version: 1,
      entitlements: [],
      locale: 'en-US',
      app_permissions: '2248473465835073',
      attachment_size_limit: 10 * 1024 * 1024,
      channel_id: channelId,
      data,
      ...(where
        ? {
            guild_id: where.guildId,
            guild_locale: 'en-US',
            context: 0,
            authorizing_integration_owners: { '0': where.guildId },
            channel: { id: channelId, type: 0, guild_id: where.guildId, name: 'general', position: 0, permission_overwrites: [], nsfw: false, parent_id: null },
            member: { user: apiUser, roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0, permissions: '2248473465835073' },
          }
        : {
            context: 1,
            authorizing_integration_owners: { '0': '0' },
            channel: { id: channelId, type: 1, recipients: [apiUser], last_message_id: null, flags: 0 },
            user: apiUser,
          }),
    };
    this.dispatch('INTERACTION_CREATE', payload);
    return { channelId, interactionId: id };
  }

  /**
   * The user writes to the bot in their DM (the gateway's MESSAGE_CREATE), optionally with a
   * file. Returns the DM channel, where the answers appear.
   */
  dm(user: FakeDiscordUser, message: { text?: string; file?: FakeAttachment }): { channelId: string } {
    if (!this.connected) throw new Error('No bot is connected to the fake gateway.');
    const channelId = this.dmChannelOf(user);
    this.dispatch('MESSAGE_CREATE', {
      id: this.snowflake(),
      channel_id: channelId,
      channel_type: 1,
      author: toApiUser(user),
      content: message.text ?? '',
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: message.file ? [this.hostAttachment(channelId, message.file)] : [],
      embeds: [],
      pinned: false,
      type: 0,
      flags: 0,
      components: [],
    }, DIRECT_MESSAGES_INTENT);
    return { channelId };
  }

  /** Bot messages in a channel, oldest first (ephemeral ones included: the fake sees everything). */
  messagesIn(channelId: string): FakeDiscordMessage[] {
    return this.messages.filter((m) => m.channel_id === channelId);
  }

  /** Waits until a bot message in `channelId` (posted or edited) satisfies `predicate`. */
  waitForMessage(channelId: string, predicate: (m: FakeDiscordMessage) => boolean, timeoutMs = 30_000): Promise<FakeDiscordMessage> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.messagesIn(channelId).find((m) => !m.loading && predicate(m));
        if (hit) {
          cleanup();
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        const seen = this.messagesIn(channelId).map((m) => `#${m.id}${m.loading ? ' (thinking…)' : ''}: ${m.content}`).join('\n---\n');
        reject(new Error(`No matching bot message within ${timeoutMs} ms. Messages in ${channelId}:\n${seen || '(none)'}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
      };
      this.listeners.push(check);
      check();
    });
  }

  /** Serves a user's file from this host, as Discord's CDN would, and describes it as Discord does. */
  private hostAttachment(channelId: string, f: FakeAttachment) {
    const id = this.snowflake();
    const path = `/attachments/${channelId}/${id}/${encodeURIComponent(f.fileName)}`;
    const contentType = f.contentType ?? 'text/plain; charset=utf-8';
    this.attachments.set(path, { bytes: f.bytes, contentType, fileName: f.fileName });
    // Real attachment URLs are signed and expire (`ex`, `is`, `hm`).
    const url = f.url ?? `${this.root}${path}?ex=${(Math.floor(Date.now() / 1000) + 86400).toString(16)}&is=0&hm=${crypto.randomBytes(8).toString('hex')}`;
    return { id, filename: f.fileName, size: f.declaredSize ?? f.bytes.length, url, proxy_url: url, content_type: contentType };
  }

  // ── gateway ────────────────────────────────────────────────────────────────

  private onConnection(ws: WebSocket) {
    this.sockets.add(ws);
    ws.on('close', () => {
      this.sockets.delete(ws);
      this.identified.delete(ws);
    });
    ws.on('message', (raw) => {
      let msg: { op: number; d: unknown };
      try {
        msg = JSON.parse(String(raw)) as { op: number; d: unknown };
      } catch {
        ws.close(4002, 'Error while decoding payload.');
        return;
      }
      switch (msg.op) {
        case 1:
          ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
          return;
        case 2: {
          const d = msg.d as Record<string, unknown>;
          this.identifies.push(d);
          if (d.token !== this.token) {
            ws.close(4004, 'Authentication failed.');
            return;
          }
          this.sessionIntents = Number(d.intents ?? 0);
          this.identified.set(ws, this.sessionIntents);
          const url = `${this.root.replace(/^http/, 'ws')}/gateway`;
          this.send(ws, 'READY', {
            v: 10,
            user: { ...toApiUser(this.botUser), bot: true, verified: true, mfa_enabled: false, flags: 0 },
            guilds: [],
            session_id: crypto.randomBytes(16).toString('hex'),
            resume_gateway_url: url,
            shard: [0, 1],
            application: { id: this.applicationId, flags: 0 },
          });
          return;
        }
        case 6: {
          const d = msg.d as Record<string, unknown>;
          if (d.token !== this.token) {
            ws.close(4004, 'Authentication failed.');
            return;
          }
          // A resumed session keeps the intents it identified with.
          this.identified.set(ws, this.sessionIntents);
          this.send(ws, 'RESUMED', {});
          return;
        }
        default:
          return;
      }
    });
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: this.heartbeatMs }, s: null, t: null }));
  }

  private send(ws: WebSocket, t: string, d: unknown) {
    ws.send(JSON.stringify({ op: 0, t, s: ++this.seq, d }));
  }

  /** Sends an event to every identified connection that asked for `intent` (interactions need none). */
  private dispatch(t: string, d: unknown, intent = 0) {
    for (const [ws, intents] of this.identified) if ((intents & intent) === intent) this.send(ws, t, d);
  }

  // ── REST and CDN ───────────────────────────────────────────────────────────

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    try {
      if (method === 'GET' && url.pathname.startsWith('/attachments/')) return this.serveAttachment(url.pathname, res);
      const m = /^\/api\/v10(\/.*)$/.exec(url.pathname);
      if (!m) return json(res, 404, { message: '404: Not Found', code: 0 });
      const path = m[1]!.split('/').map(decodeURIComponent).join('/');
      const body = await readBody(req);
      this.calls.push({ method, path, body: body.json });
      const result = await this.route(method, path, url.searchParams, body, req.headers.authorization);
      if (result === undefined) {
        res.writeHead(204);
        res.end();
      } else json(res, 200, result);
    } catch (err) {
      if (isApiError(err)) return json(res, err.status, { message: err.message, code: err.code });
      json(res, 500, { message: String(err), code: 0 });
    }
  }

  private serveAttachment(pathname: string, res: http.ServerResponse) {
    const file = this.attachments.get(pathname);
    if (!file) return json(res, 404, { message: 'Not Found', code: 0 });
    this.downloads.set(file.fileName, (this.downloads.get(file.fileName) ?? 0) + 1);
    res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.bytes.length });
    res.end(file.bytes);
  }

  private async route(method: string, path: string, query: URLSearchParams, body: Body, auth: string | undefined): Promise<unknown> {
    const seg = path.split('/').slice(1);
    const is = (m: string, pattern: string) => {
      if (m !== method) return false;
      const p = pattern.split('/').slice(1);
      return p.length === seg.length && p.every((x, i) => x.startsWith(':') || x === seg[i]);
    };
    // Interaction callbacks and webhooks are authorised by their token, everything else by the bot token.
    const tokenRoute = seg[0] === 'interactions' || seg[0] === 'webhooks';
    if (!tokenRoute && auth !== `Bot ${this.token}`) throw apiError(401, 0, '401: Unauthorized');

    if (is('GET', '/gateway/bot'))
      return {
        url: `${this.root.replace(/^http/, 'ws')}/gateway`,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
      };
    if (is('GET', '/users/@me')) return toApiUser(this.botUser);
    if (is('PUT', '/applications/:app/commands')) {
      if (seg[1] !== this.applicationId) throw apiError(403, 50001, 'Missing Access');
      const defs = body.json as unknown as Array<Record<string, unknown>>;
      if (!Array.isArray(defs)) throw apiError(400, 50035, 'Invalid Form Body');
      this.commands = defs.map((d) => ({
        ...d,
        id: this.commands.find((c) => c.name === d.name)?.id ?? this.snowflake(),
        name: String(d.name),
        application_id: this.applicationId,
        version: this.snowflake(),
      }));
      return this.commands;
    }
    if (is('POST', '/interactions/:id/:token/callback')) return this.callback(seg[1]!, seg[2]!, query, body);
    if (is('GET', '/webhooks/:app/:token/messages/:mid')) {
      const it = this.interactionByToken(seg[1]!, seg[2]!);
      return this.toApiMessage(this.webhookMessage(it, seg[4]!));
    }
    if (is('PATCH', '/webhooks/:app/:token/messages/:mid')) {
      const it = this.interactionByToken(seg[1]!, seg[2]!);
      const msg = this.webhookMessage(it, seg[4]!);
      this.edit(msg, body, 'webhook');
      return this.toApiMessage(msg);
    }
    if (is('POST', '/webhooks/:app/:token')) {
      const it = this.interactionByToken(seg[1]!, seg[2]!);
      if (!it.acknowledged) throw apiError(404, 10015, 'Unknown Webhook');
      const flags = Number(body.json.flags ?? 0);
      const msg = this.create(it.channelId, body, 'followup', (flags & EPHEMERAL) !== 0);
      return this.toApiMessage(msg);
    }
    if (is('POST', '/users/@me/channels')) {
      const user = this.users.get(String(body.json.recipient_id));
      if (!user) throw apiError(400, 50035, 'Invalid Form Body');
      const id = this.dmChannelOf(user);
      return { id, type: 1, recipients: [toApiUser(user)], last_message_id: null, flags: 0 };
    }
    if (is('POST', '/channels/:cid/messages')) {
      const channel = this.channels.get(seg[1]!);
      if (!channel) throw apiError(404, 10003, 'Unknown Channel');
      if (channel.type === 1 && channel.recipient && this.closedDms.has(channel.recipient.id))
        throw apiError(403, 50007, 'Cannot send messages to this user');
      return this.toApiMessage(this.create(channel.id, body, 'channel', false));
    }
    if (is('PATCH', '/channels/:cid/messages/:mid')) {
      const msg = this.messages.find((x) => x.id === seg[3] && x.channel_id === seg[1]);
      // Ephemeral messages exist only for their interaction's webhook; by channel they are unknown.
      if (!msg || msg.ephemeral) throw apiError(404, 10008, 'Unknown Message');
      this.edit(msg, body, 'channel');
      return this.toApiMessage(msg);
    }
    throw apiError(404, 0, `404: ${method} ${path} is not implemented by the fake`);
  }

  private callback(id: string, token: string, query: URLSearchParams, body: Body): unknown {
    const it = this.interactions.get(id);
    if (!it || it.token !== token || Date.now() - it.dispatchedAt > ACK_WINDOW_MS) throw apiError(404, 10062, 'Unknown interaction');
    if (it.acknowledged) throw apiError(400, 40060, 'Interaction has already been acknowledged.');
    const type = Number(body.json.type);
    const data = (body.json.data ?? {}) as Record<string, unknown>;
    const flags = Number(data.flags ?? 0);
    let msg: FakeDiscordMessage;
    if (type === 4) msg = this.create(it.channelId, { json: data, files: body.files }, 'interaction', (flags & EPHEMERAL) !== 0);
    else if (type === 5) {
      msg = this.newMessage(it.channelId, '', 'interaction', (flags & EPHEMERAL) !== 0);
      msg.loading = true;
      msg.history = [];
    } else throw apiError(400, 50035, `Invalid Form Body: callback type ${type} is not supported by the fake`);
    it.acknowledged = true;
    it.ephemeral = msg.ephemeral;
    it.originalId = msg.id;
    this.changed();
    if (query.get('with_response') !== 'true') return undefined;
    return {
      interaction: {
        id: it.id,
        type: 2,
        response_message_id: msg.id,
        response_message_loading: msg.loading,
        response_message_ephemeral: msg.ephemeral,
      },
      resource: { type, ...(type === 4 ? { message: this.toApiMessage(msg) } : {}) },
    };
  }

  private interactionByToken(app: string, token: string): Interaction {
    const it = [...this.interactions.values()].find((i) => i.token === token);
    if (!it || app !== this.applicationId) throw apiError(404, 10015, 'Unknown Webhook');
    return it;
  }

  private webhookMessage(it: Interaction, mid: string): FakeDiscordMessage {
    const id = mid === '@original' ? it.originalId : mid;
    const msg = this.messages.find((m) => m.id === id && m.channel_id === it.channelId);
    if (!msg) throw apiError(404, 10008, 'Unknown Message');
    return msg;
  }

  private create(channelId: string, body: Body, via: FakeDiscordMessage['via'], ephemeral: boolean): FakeDiscordMessage {
    const content = validContent(body.json.content, body.files.length > 0, true);
    const msg = this.newMessage(channelId, content, via, ephemeral);
    msg.files = body.files;
    this.changed();
    return msg;
  }

  private edit(msg: FakeDiscordMessage, body: Body, via: 'webhook' | 'channel') {
    if ('content' in body.json) {
      const content = validContent(body.json.content, body.files.length > 0 || msg.files.length > 0, false);
      msg.content = content;
      msg.history.push(content);
    }
    if (body.files.length) msg.files = body.files;
    msg.loading = false;
    msg.edits.push(via);
    this.changed();
  }

  private newMessage(channelId: string, content: string, via: FakeDiscordMessage['via'], ephemeral: boolean): FakeDiscordMessage {
    const msg: FakeDiscordMessage = { id: this.snowflake(), channel_id: channelId, content, history: [content], ephemeral, loading: false, via, edits: [], files: [] };
    this.messages.push(msg);
    return msg;
  }

  private toApiMessage(msg: FakeDiscordMessage) {
    return {
      id: msg.id,
      channel_id: msg.channel_id,
      type: msg.via === 'channel' ? 0 : 20,
      content: msg.content,
      author: toApiUser(this.botUser),
      timestamp: new Date().toISOString(),
      edited_timestamp: msg.edits.length ? new Date().toISOString() : null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: msg.files.map((f, i) => ({ id: String(i), filename: f.fileName, size: f.bytes.length, url: `${this.root}/attachments/${msg.channel_id}/${i}/${f.fileName}`, proxy_url: '' })),
      embeds: [],
      pinned: false,
      flags: (msg.ephemeral ? EPHEMERAL : 0) | (msg.loading ? LOADING : 0),
      components: [],
      ...(msg.via !== 'channel' ? { webhook_id: this.applicationId, application_id: this.applicationId } : {}),
    };
  }

  private changed() {
    for (const l of [...this.listeners]) l();
  }

  private snowflake(): string {
    return String(((BigInt(Date.now()) - DISCORD_EPOCH) << 22n) | (this.nextId++ & 0x3fffffn));
  }
}

function toApiUser(u: FakeDiscordUser & { bot?: boolean }) {
  return { id: u.id, username: u.username, global_name: u.global_name ?? null, discriminator: '0', avatar: null, ...(u.bot ? { bot: true } : {}) };
}

function apiError(status: number, code: number, message: string): ApiError {
  return { status, code, message };
}

function isApiError(err: unknown): err is ApiError {
  return typeof err === 'object' && err !== null && 'status' in err && 'code' in err && 'message' in err;
}

/** Discord's rules for message content: at most 2000 characters, and not empty without files. */
function validContent(raw: unknown, hasFiles: boolean, creating: boolean): string {
  const content = raw === undefined || raw === null ? '' : String(raw);
  if (content.length > 2000) throw apiError(400, 50035, 'Invalid Form Body\ncontent[BASE_TYPE_MAX_LENGTH]: Must be 2000 or fewer in length.');
  if (creating && content === '' && !hasFiles) throw apiError(400, 50006, 'Cannot send an empty message');
  return content;
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Reads a JSON body, or discord.js's multipart (`payload_json` plus `files[n]`). */
async function readBody(req: http.IncomingMessage): Promise<Body> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    return new Promise((resolve, reject) => {
      let json: Record<string, unknown> = {};
      const files: Body['files'] = [];
      const bb = busboy({ headers: req.headers });
      bb.on('field', (name, value) => {
        if (name === 'payload_json') json = JSON.parse(value) as Record<string, unknown>;
        else json[name] = value;
      });
      bb.on('file', (_name, stream, info) => {
        const chunks: Buffer[] = [];
        const entry = { fileName: info.filename ?? 'file', bytes: Buffer.alloc(0) };
        files.push(entry);
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => (entry.bytes = Buffer.concat(chunks)));
      });
      bb.on('close', () => resolve({ json, files }));
      bb.on('error', reject);
      req.pipe(bb);
    });
  }
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  return { json: raw ? (JSON.parse(raw) as Record<string, unknown>) : {}, files: [] };
}
