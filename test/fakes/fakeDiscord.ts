import http from 'node:http';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';
import { WebSocketServer, type WebSocket } from 'ws';
import type { APIEmbed, APIMessageTopLevelComponent, APIModalInteractionResponseCallbackComponent } from 'discord.js';

/** A Discord user as the fake knows them. */
export type FakeDiscordUser = { id: string; username: string; global_name?: string | null };

/** A guild text channel, as `guildChannel()` returns it; interactions there carry a `member`. */
export type FakeDiscordWhere = { guildId: string; channelId: string };

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
  /** How each edit arrived, in order: interaction webhook, channel REST, or an UPDATE_MESSAGE (7) callback. */
  edits: Array<'webhook' | 'channel' | 'update'>;
  files: Array<{ fileName: string; bytes: Buffer }>;
  /** The message components as discord.js sent them (API JSON); an edit without `components` keeps them. */
  components: APIMessageTopLevelComponent[];
  /** Its embeds (API JSON), checked against Discord's limits; an edit without `embeds` keeps them. */
  embeds: APIEmbed[];
};

/** A modal the bot showed (interaction callback type 9), for the test to fill in with `submitModal`. */
export type FakeDiscordModal = {
  /** The interaction the modal answered. */
  interactionId: string;
  /** The user it was shown to: only they can submit it. */
  userId: string;
  channelId: string;
  customId: string;
  title: string;
  components: APIModalInteractionResponseCallbackComponent[];
  at: number;
  /** The message whose component opened the modal, when a component did. */
  messageId?: string | undefined;
  submitted: boolean;
};

/** How the bot answered an interaction: its callback type and data. */
export type FakeDiscordInteractionResponse = { type: number; data: Record<string, unknown>; at: number };

/** A request the fake refused, as Discord would have (status, JSON error code, flattened message). */
export type FakeDiscordRefusal = { method: string; path: string; status: number; code: number; message: string };

type Json = Record<string, unknown>;
type Channel = { id: string; type: 0 | 1; guildId?: string | undefined; recipient?: FakeDiscordUser | undefined };
/** Interaction types: 2 APPLICATION_COMMAND, 3 MESSAGE_COMPONENT, 4 AUTOCOMPLETE, 5 MODAL_SUBMIT. */
type InteractionKind = 2 | 3 | 4 | 5;
type Interaction = {
  id: string;
  token: string;
  kind: InteractionKind;
  userId: string;
  channelId: string;
  dispatchedAt: number;
  acknowledged: boolean;
  ephemeral: boolean;
  originalId?: string | undefined;
  /** For components: the message the component is on; for modal submits: the message whose component opened the modal. */
  sourceMessageId?: string | undefined;
  response?: FakeDiscordInteractionResponse | undefined;
};
type Body = { json: Json; files: Array<{ fileName: string; bytes: Buffer }> };
type ApiError = { status: number; code: number; message: string; errors?: Json | undefined; detail?: string | undefined };
type Path = Array<string | number>;
type OptionDef = {
  name: string;
  type: number;
  required?: boolean;
  autocomplete?: boolean;
  choices?: Array<{ name: string; value: string | number }>;
  min_value?: number;
  max_value?: number;
  min_length?: number;
  max_length?: number;
};

const DISCORD_EPOCH = 1420070400000n;
const EPHEMERAL = 1 << 6;
const LOADING = 1 << 7;
const COMPONENTS_V2 = 1 << 15;
const DIRECT_MESSAGES_INTENT = 1 << 12;
/** Discord forgets an interaction that is not acknowledged within 3 s. */
const ACK_WINDOW_MS = 3000;
/** Which callback types Discord accepts for each interaction type. */
const ALLOWED_CALLBACKS: Record<InteractionKind, number[]> = { 2: [4, 5, 9], 3: [4, 5, 6, 7, 9], 4: [8], 5: [4, 5, 6, 7] };
/** Slash command option types the fake can fill in: string, integer, boolean, number, attachment. */
const OPTION_TYPES: Record<number, string> = { 3: 'string', 4: 'integer', 5: 'boolean', 10: 'number', 11: 'attachment' };
const SELECT_TYPES = new Set([3, 5, 6, 7, 8]);
/** How long a message nonce sent with `enforce_nonce` is remembered ("the past few minutes"). */
const NONCE_WINDOW_MS = 3 * 60_000;
/** The bucket hash of `POST /channels/{id}/messages` (per channel: the channel is its top-level resource). */
const CHANNEL_MESSAGES_BUCKET = crypto.createHash('sha1').update('POST /channels/{channel.id}/messages').digest('hex').slice(0, 32);

/** Discord's rate limits, when a test opts in (off by default). */
export type FakeDiscordRateLimits = {
  /** Requests per second across every route except interaction callbacks and webhooks (Discord: 50). */
  globalPerSecond?: number;
  /** The bucket of `POST /channels/{id}/messages`, one per channel (Discord: 5 per 5 s). */
  channelMessages?: { limit: number; windowMs: number };
};

type RateLimitOutcome = { headers: Record<string, string>; refusal?: { global: boolean; retryAfterMs: number } };

/**
 * A local stand-in for Discord, enough for the real discord.js client: REST under `/api/v10`,
 * the gateway WebSocket on `/gateway` (HELLO, IDENTIFY → READY, heartbeats, RESUME), slash
 * command, autocomplete, message component and modal submit interactions, attachments served
 * from its own host (the "CDN"), interaction callbacks (types 4–9) and webhooks, channel
 * messages and edits with their components, DM channels, and Discord's own errors for what
 * real Discord refuses (late or double acknowledgement, a callback type the interaction does
 * not take, invalid components, modals or autocomplete choices, editing an ephemeral or unknown
 * message, closed DMs, empty or too long content), message nonces with `enforce_nonce`, and,
 * when asked for (`rateLimits`), the global and per-channel rate limits with their 429s.
 * Tests play the user: `slash`, `autocomplete`, `click`, `select`, `submitModal`, `dm`; and
 * read the bot: `waitForMessage`, `waitForModal`, `waitForInteractionResponse`.
 */
export class FakeDiscord {
  readonly token: string;
  readonly applicationId: string;
  readonly botUser: FakeDiscordUser & { bot: true };
  /** Slash commands as last registered with `PUT /applications/{id}/commands`. */
  commands: Array<Record<string, unknown> & { id: string; name: string }> = [];
  readonly messages: FakeDiscordMessage[] = [];
  /** Modals the bot showed, oldest first. */
  readonly modals: FakeDiscordModal[] = [];
  /** Every REST call the bot made. */
  readonly calls: Array<{ method: string; path: string; body: Record<string, unknown> }> = [];
  /** Every REST call the fake refused, with Discord's error. */
  readonly refusals: FakeDiscordRefusal[] = [];
  /** Gateway IDENTIFY payloads received. */
  readonly identifies: Array<Record<string, unknown>> = [];
  /** How often each attachment was downloaded, by file name. */
  readonly downloads = new Map<string, number>();
  /** 429s served (only with `rateLimits`): by the global limit and by a route's bucket. */
  readonly rateLimited = { global: 0, route: 0 };
  /** Message creates answered with the earlier message because their nonce was seen (`enforce_nonce`). */
  nonceRepeats = 0;
  readonly rateLimits: FakeDiscordRateLimits | undefined;

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
  /** Ephemeral messages and the one user who sees them. */
  private ephemeralFor = new Map<string, string>();
  /** Messages sent with the IS_COMPONENTS_V2 flag (their layout rules differ). */
  private v2Messages = new Set<string>();
  private listeners: Array<() => void> = [];
  private readonly heartbeatMs: number;
  /** The current one-second window of the global limit. */
  private globalWindow = { start: 0, used: 0 };
  /** Route buckets of channel messages, by channel. */
  private buckets = new Map<string, { start: number; used: number }>();
  /** Nonces of created messages (`<channel>:<nonce>`), for `enforce_nonce`. */
  private nonces = new Map<string, { message: FakeDiscordMessage; at: number }>();

  /**
   * @param options.rateLimits - enforce Discord's rate limits (global, and per channel for
   *   channel messages): past them a request answers 429 with `retry_after`, `global` and the
   *   `Retry-After` / `X-RateLimit-*` headers discord.js reads, and does nothing. Every answer of
   *   a bucketed route carries the bucket's `X-RateLimit-*` headers, as Discord's do.
   */
  constructor(options: { token?: string; heartbeatMs?: number; rateLimits?: FakeDiscordRateLimits } = {}) {
    this.token = options.token ?? 'MTIz.fake-discord.token';
    this.heartbeatMs = options.heartbeatMs ?? 41_250;
    this.rateLimits = options.rateLimits;
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
  guildChannel(): FakeDiscordWhere {
    const guildId = this.snowflake();
    const channelId = this.snowflake();
    this.channels.set(channelId, { id: channelId, type: 0, guildId });
    return { guildId, channelId };
  }

  /**
   * The user runs a registered slash command (in their DM with the bot, or in `where`'s guild
   * channel). `options` fill the command's options, typed from the registered definition
   * (string, integer, boolean, number); `file` fills its attachment option, served by this fake.
   * Throws, as Discord's client would not send it, for an unknown or missing required option or a
   * value the definition forbids. Returns where the answer will appear.
   */
  slash(
    user: FakeDiscordUser,
    name: string,
    options: { options?: Record<string, string | number | boolean>; file?: FakeAttachment; where?: FakeDiscordWhere } = {},
  ): { channelId: string; interactionId: string } {
    const command = this.command(name);
    if (!this.connected) throw new Error('No bot is connected to the fake gateway.');
    const channelId = options.where?.channelId ?? this.dmChannelOf(user);
    const defs = optionDefs(command);
    const given = options.options ?? {};
    const filled: Json[] = [];
    const data: Json = { id: command.id, name, type: 1 };
    for (const def of defs) {
      if (def.type === 11) {
        if (!options.file) continue;
        const attachment = this.hostAttachment(channelId, options.file);
        filled.push({ name: def.name, type: 11, value: attachment.id });
        data.resolved = { attachments: { [attachment.id]: { ...attachment, ephemeral: true } } };
        continue;
      }
      if (!(def.name in given)) continue;
      filled.push({ name: def.name, type: def.type, value: checkOptionValue(name, def, given[def.name]!) });
    }
    for (const key of Object.keys(given)) {
      const def = defs.find((d) => d.name === key);
      if (!def) throw new Error(`/${name} has no option "${key}" (options: ${defs.map((d) => d.name).join(', ') || 'none'})`);
      if (def.type === 11) throw new Error(`/${name} option "${key}" is an attachment: pass it as \`file\``);
    }
    if (options.file && !defs.some((d) => d.type === 11)) throw new Error(`/${name} has no attachment option to take \`file\``);
    const missing = defs.filter((d) => d.required && !filled.some((f) => f.name === d.name)).map((d) => d.name);
    if (missing.length) throw new Error(`/${name} needs the required option(s) ${missing.join(', ')}: Discord's client will not send it without them`);
    if (filled.length) data.options = filled;
    const interactionId = this.dispatchInteraction(user, 2, channelId, options.where, data, {});
    return { channelId, interactionId };
  }

  /**
   * The user types in an option that has `autocomplete: true`: dispatches an autocomplete
   * interaction (type 4) with `focused` marked, its value as typed (a string, as Discord sends it),
   * and resolves with the choices the bot answers (callback type 8). Rejects after `timeoutMs`
   * if none come (Discord itself gives up after 3 s) or if the answer was refused.
   */
  async autocomplete(
    user: FakeDiscordUser,
    commandName: string,
    params: { options?: Record<string, string | number | boolean>; focused: string; where?: FakeDiscordWhere; timeoutMs?: number },
  ): Promise<Array<{ name: string; value: string | number }>> {
    const command = this.command(commandName);
    if (!this.connected) throw new Error('No bot is connected to the fake gateway.');
    const defs = optionDefs(command);
    const focusedDef = defs.find((d) => d.name === params.focused);
    if (!focusedDef) throw new Error(`/${commandName} has no option "${params.focused}"`);
    if (!focusedDef.autocomplete) throw new Error(`/${commandName} option "${params.focused}" was not registered with autocomplete: true`);
    const given = params.options ?? {};
    const filled: Json[] = [];
    for (const def of defs) {
      if (def.name === params.focused) filled.push({ name: def.name, type: def.type, value: String(given[def.name] ?? ''), focused: true });
      else if (def.name in given) filled.push({ name: def.name, type: def.type, value: checkOptionValue(commandName, def, given[def.name]!) });
    }
    for (const key of Object.keys(given))
      if (!defs.some((d) => d.name === key)) throw new Error(`/${commandName} has no option "${key}"`);
    const channelId = params.where?.channelId ?? this.dmChannelOf(user);
    const id = this.dispatchInteraction(user, 4, channelId, params.where, { id: command.id, name: commandName, type: 1, options: filled }, {});
    const response = await this.waitForInteractionResponse(id, params.timeoutMs ?? ACK_WINDOW_MS + 500);
    const choices = (response.data.choices ?? []) as Array<{ name: string; value: string | number }>;
    return choices.map((c) => ({ name: c.name, value: c.value }));
  }

  /**
   * The user presses the button `customId` on `message` (a MESSAGE_COMPONENT interaction with
   * `component_type: 2`). Throws if the message shows no enabled button with that id, as a real
   * user can only press what they see; `clickRaw` skips that check.
   */
  click(user: FakeDiscordUser, message: FakeDiscordMessage, customId: string, options: { where?: FakeDiscordWhere } = {}): { channelId: string; interactionId: string } {
    const component = this.visibleComponent(user, message, customId);
    if (component.type !== 2) throw new Error(`"${customId}" is a component of type ${String(component.type)}, not a button: use select()`);
    return this.dispatchComponent(user, { channelId: message.channel_id, messageId: message.id, customId, componentType: 2 }, options.where);
  }

  /**
   * The user picks `values` in the string select `customId` on `message` (`component_type: 3`).
   * Throws if there is no such enabled select, a value is not one of its options, or the count is
   * outside its `min_values`..`max_values` (Discord's client enforces all three).
   */
  select(
    user: FakeDiscordUser,
    message: FakeDiscordMessage,
    customId: string,
    values: string[],
    options: { where?: FakeDiscordWhere } = {},
  ): { channelId: string; interactionId: string } {
    const component = this.visibleComponent(user, message, customId);
    if (component.type !== 3) throw new Error(`"${customId}" is a component of type ${String(component.type)}, not a string select`);
    checkSelectValues(component, values, `select "${customId}"`);
    return this.dispatchComponent(user, { channelId: message.channel_id, messageId: message.id, customId, componentType: 3, values }, options.where);
  }

  /**
   * A component interaction with any custom id, whether or not the message shows it (a forged
   * or stale id, as a modified client or an old message could send). The message may not exist.
   */
  clickRaw(
    user: FakeDiscordUser,
    raw: { channelId: string; messageId: string; customId: string; componentType?: number; values?: string[] },
    options: { where?: FakeDiscordWhere } = {},
  ): { channelId: string; interactionId: string } {
    return this.dispatchComponent(user, { componentType: 2, ...raw }, options.where);
  }

  /**
   * The user fills in and submits `modal` (a MODAL_SUBMIT interaction), echoing its components in
   * the shape the bot sent (action rows or labels), each text input with its `custom_id` and
   * `value`. `fields` maps custom ids to text (or, for a select in a label, its values); a field
   * left out keeps the input's pre-filled `value`. Throws, as Discord's client would not submit,
   * for an unknown field, an empty required input, or a length outside min_length/max_length.
   */
  submitModal(
    user: FakeDiscordUser,
    modal: FakeDiscordModal,
    fields: Record<string, string | string[]>,
    options: { where?: FakeDiscordWhere } = {},
  ): { channelId: string; interactionId: string } {
    if (modal.userId !== user.id) throw new Error(`Modal "${modal.customId}" was shown to user ${modal.userId}, not ${user.id}`);
    if (modal.submitted) throw new Error(`Modal "${modal.customId}" was already submitted (Discord closes a modal on submit)`);
    const where = this.whereFor(user, modal.channelId, options.where);
    const left = new Set(Object.keys(fields));
    let nextId = 1;
    const idOf = (c: Json) => (typeof c.id === 'number' ? c.id : nextId++);
    const fill = (c: Json): Json => {
      const id = idOf(c);
      const customId = String(c.custom_id);
      left.delete(customId);
      const given = fields[customId];
      if (c.type === 4) {
        const value = given ?? (typeof c.value === 'string' ? c.value : '');
        if (typeof value !== 'string') throw new Error(`Text input "${customId}" takes a string`);
        checkTextInput(c, value);
        return { type: 4, id, custom_id: customId, value };
      }
      if (c.type === 3) {
        const values = given === undefined ? [] : Array.isArray(given) ? given : [given];
        checkSelectValues({ ...c, min_values: c.required === false ? 0 : c.min_values }, values, `select "${customId}"`);
        return { type: 3, id, custom_id: customId, values };
      }
      throw new Error(`The fake cannot fill a modal component of type ${String(c.type)} ("${customId}")`);
    };
    const components = (modal.components as unknown as Json[]).map((top): Json => {
      const id = idOf(top);
      if (top.type === 1) return { type: 1, id, components: ((top.components ?? []) as Json[]).map(fill) };
      if (top.type === 18) return { type: 18, id, component: fill(top.component as Json) };
      return { type: top.type, id };
    });
    if (left.size) throw new Error(`Modal "${modal.customId}" has no input(s) ${[...left].join(', ')}`);
    const source = modal.messageId ? this.messages.find((m) => m.id === modal.messageId) : undefined;
    const extra: Json = source ? { message: this.toApiMessage(source) } : {};
    modal.submitted = true;
    const interactionId = this.dispatchInteraction(user, 5, modal.channelId, where, { custom_id: modal.customId, components }, extra, modal.messageId);
    return { channelId: modal.channelId, interactionId };
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
    return this.waitFor(
      () => this.messagesIn(channelId).find((m) => !m.loading && predicate(m)),
      timeoutMs,
      () => {
        const seen = this.messagesIn(channelId).map((m) => `#${m.id}${m.loading ? ' (thinking…)' : ''}: ${m.content}`).join('\n---\n');
        return `No matching bot message within ${timeoutMs} ms. Messages in ${channelId}:\n${seen || '(none)'}`;
      },
    );
  }

  /** Waits until the bot shows a modal that satisfies `predicate`. */
  waitForModal(predicate: (m: FakeDiscordModal) => boolean, timeoutMs = 30_000): Promise<FakeDiscordModal> {
    return this.waitFor(
      () => this.modals.find(predicate),
      timeoutMs,
      () => `No matching modal within ${timeoutMs} ms. Modals: ${this.modals.map((m) => `"${m.customId}" (${m.title})`).join(', ') || '(none)'}`,
    );
  }

  /** Waits until the bot acknowledges interaction `interactionId`; resolves with the callback it sent. */
  waitForInteractionResponse(interactionId: string, timeoutMs = 30_000): Promise<FakeDiscordInteractionResponse> {
    return this.waitFor(
      () => this.interactions.get(interactionId)?.response,
      timeoutMs,
      () => {
        const refused = this.refusals.filter((r) => r.path.includes(interactionId)).map((r) => `${r.status} ${r.code} ${r.message}`);
        return `Interaction ${interactionId} got no accepted response within ${timeoutMs} ms${refused.length ? `; refused: ${refused.join('; ')}` : ''}`;
      },
    );
  }

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
        this.listeners = this.listeners.filter((l) => l !== check);
      };
      this.listeners.push(check);
      check();
    });
  }

  private command(name: string) {
    const command = this.commands.find((c) => c.name === name);
    if (!command) throw new Error(`/${name} is not a registered command (registered: ${this.commands.map((c) => c.name).join(', ') || 'none'})`);
    return command;
  }

  /** The component `customId` on `message` as `user` sees it; throws if they could not press it. */
  private visibleComponent(user: FakeDiscordUser, message: FakeDiscordMessage, customId: string): Json {
    const owner = this.ephemeralFor.get(message.id);
    if (owner !== undefined && owner !== user.id) throw new Error(`Message ${message.id} is ephemeral: only user ${owner} sees it`);
    if (message.loading) throw new Error(`Message ${message.id} is still "thinking…": it shows no components yet`);
    const all = flattenComponents(message.components as unknown as Json[]);
    const component = all.find((c) => c.custom_id === customId);
    if (!component) {
      const ids = all.filter((c) => typeof c.custom_id === 'string').map((c) => c.custom_id as string);
      throw new Error(`Message ${message.id} has no component "${customId}" (it has: ${ids.join(', ') || 'none'})`);
    }
    if (component.disabled === true) throw new Error(`Component "${customId}" on message ${message.id} is disabled`);
    return component;
  }

  private dispatchComponent(
    user: FakeDiscordUser,
    raw: { channelId: string; messageId: string; customId: string; componentType: number; values?: string[] },
    where: FakeDiscordWhere | undefined,
  ): { channelId: string; interactionId: string } {
    if (!this.connected) throw new Error('No bot is connected to the fake gateway.');
    const resolvedWhere = this.whereFor(user, raw.channelId, where);
    const existing = this.messages.find((m) => m.id === raw.messageId && m.channel_id === raw.channelId);
    const message = existing
      ? this.toApiMessage(existing)
      : this.toApiMessage({ id: raw.messageId, channel_id: raw.channelId, content: '', history: [], ephemeral: false, loading: false, via: 'channel', edits: [], files: [], components: [], embeds: [] });
    const data: Json = { custom_id: raw.customId, component_type: raw.componentType };
    if (raw.componentType !== 2) data.values = raw.values ?? [];
    const interactionId = this.dispatchInteraction(user, 3, raw.channelId, resolvedWhere, data, { message }, existing?.id);
    return { channelId: raw.channelId, interactionId };
  }

  /**
   * Where `user` acts in `channelId`: the guild channel, or their own DM. Throws if it is someone
   * else's DM or `given` names another place.
   */
  private whereFor(user: FakeDiscordUser, channelId: string, given: FakeDiscordWhere | undefined): FakeDiscordWhere | undefined {
    const channel = this.channels.get(channelId);
    if (!channel) throw new Error(`Channel ${channelId} is unknown to the fake`);
    if (channel.type === 0) {
      const where = { guildId: channel.guildId!, channelId };
      if (given && (given.guildId !== where.guildId || given.channelId !== channelId))
        throw new Error(`where ${JSON.stringify(given)} does not match the message's channel ${JSON.stringify(where)}`);
      return where;
    }
    if (channel.recipient?.id !== user.id) throw new Error(`Channel ${channelId} is the DM of user ${channel.recipient?.id ?? '?'}, not of ${user.id}`);
    if (given) throw new Error(`where ${JSON.stringify(given)} does not match: the message is in a DM`);
    return undefined;
  }

  /** Sends INTERACTION_CREATE shaped like Discord's: `member` in guilds, `user` in DMs. */
  private dispatchInteraction(
    user: FakeDiscordUser,
    kind: InteractionKind,
    channelId: string,
    where: FakeDiscordWhere | undefined,
    data: Json,
    extra: Json,
    sourceMessageId?: string,
  ): string {
    this.users.set(user.id, user);
    const apiUser = toApiUser(user);
    const id = this.snowflake();
    const token = `aW50ZXJhY3Rpb24.${crypto.randomBytes(24).toString('base64url')}`;
    this.interactions.set(id, { id, token, kind, userId: user.id, channelId, dispatchedAt: Date.now(), acknowledged: false, ephemeral: false, sourceMessageId });
    const payload = {
      id,
      application_id: this.applicationId,
      type: kind,
      token,
      version: 1,
      entitlements: [],
      locale: 'en-US',
      app_permissions: '2248473465835073',
      attachment_size_limit: 10 * 1024 * 1024,
      channel_id: channelId,
      data,
      ...extra,
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
    return id;
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

  private failures: Array<{ method: string; path: RegExp; status: number; code: number; message: string }> = [];

  /**
   * The next `times` REST calls matching `method` and `path` (after `/api/v10`) answer with this
   * error instead of working, as an overloaded or refusing Discord would.
   */
  failNext(method: string, path: RegExp, error: { status: number; code: number; message: string }, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push({ method, path, ...error });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x');
    const method = req.method ?? 'GET';
    let path = url.pathname;
    let headers: Record<string, string> = {};
    try {
      if (method === 'GET' && url.pathname.startsWith('/attachments/')) return this.serveAttachment(url.pathname, res);
      const m = /^\/api\/v10(\/.*)$/.exec(url.pathname);
      if (!m) return json(res, 404, { message: '404: Not Found', code: 0 });
      path = m[1]!.split('/').map(decodeURIComponent).join('/');
      const body = await readBody(req);
      this.calls.push({ method, path, body: body.json });
      const limit = this.rateLimit(method, path);
      headers = limit.headers;
      if (limit.refusal) {
        const { global, retryAfterMs } = limit.refusal;
        const retryAfter = Math.round(retryAfterMs) / 1000;
        return json(res, 429, { message: 'You are being rate limited.', retry_after: retryAfter, global }, {
          ...headers,
          'Retry-After': String(Math.max(1, Math.ceil(retryAfter))),
          'X-RateLimit-Scope': global ? 'global' : 'user',
          ...(global ? { 'X-RateLimit-Global': 'true' } : {}),
        });
      }
      const planned = this.failures.findIndex((f) => f.method === method && f.path.test(path));
      if (planned !== -1) {
        const [f] = this.failures.splice(planned, 1);
        throw apiError(f!.status, f!.code, f!.message);
      }
      const result = await this.route(method, path, url.searchParams, body, req.headers.authorization);
      if (result === undefined) {
        res.writeHead(204, headers);
        res.end();
      } else json(res, 200, result, headers);
    } catch (err) {
      if (isApiError(err)) {
        this.refusals.push({ method, path, status: err.status, code: err.code, message: err.detail ? `${err.message}\n${err.detail}` : err.message });
        return json(res, err.status, { message: err.message, code: err.code, ...(err.errors ? { errors: err.errors } : {}) }, headers);
      }
      json(res, 500, { message: String(err), code: 0 });
    }
  }

  /**
   * Counts a request against the rate limits (when on). Interaction callbacks and webhooks are
   * not bound by the global limit, as on Discord. Windows open with their first request.
   * Returns the bucket's headers, and the refusal when a limit is spent.
   */
  private rateLimit(method: string, path: string): RateLimitOutcome {
    const limits = this.rateLimits;
    if (!limits) return { headers: {} };
    const t = Date.now();
    if (limits.globalPerSecond !== undefined && !/^\/(interactions|webhooks)\//.test(path)) {
      if (t >= this.globalWindow.start + 1000) this.globalWindow = { start: t, used: 0 };
      if (this.globalWindow.used >= limits.globalPerSecond) {
        this.rateLimited.global += 1;
        return { headers: {}, refusal: { global: true, retryAfterMs: this.globalWindow.start + 1000 - t } };
      }
      this.globalWindow.used += 1;
    }
    const channel = method === 'POST' ? /^\/channels\/([^/]+)\/messages$/.exec(path)?.[1] : undefined;
    if (!channel || !limits.channelMessages) return { headers: {} };
    const { limit, windowMs } = limits.channelMessages;
    let bucket = this.buckets.get(channel);
    if (!bucket || t >= bucket.start + windowMs) {
      bucket = { start: t, used: 0 };
      this.buckets.set(channel, bucket);
    }
    const resetMs = bucket.start + windowMs - t;
    const refused = bucket.used >= limit;
    if (!refused) bucket.used += 1;
    const headers = {
      'X-RateLimit-Limit': String(limit),
      'X-RateLimit-Remaining': String(limit - bucket.used),
      'X-RateLimit-Reset': ((bucket.start + windowMs) / 1000).toFixed(3),
      'X-RateLimit-Reset-After': (resetMs / 1000).toFixed(3),
      'X-RateLimit-Bucket': CHANNEL_MESSAGES_BUCKET,
    };
    if (!refused) return { headers };
    this.rateLimited.route += 1;
    return { headers, refusal: { global: false, retryAfterMs: resetMs } };
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
      this.edit(msg, body, 'webhook', []);
      return this.toApiMessage(msg);
    }
    if (is('POST', '/webhooks/:app/:token')) {
      const it = this.interactionByToken(seg[1]!, seg[2]!);
      if (!it.acknowledged) throw apiError(404, 10015, 'Unknown Webhook');
      const flags = Number(body.json.flags ?? 0);
      const msg = this.create(it.channelId, body, 'followup', (flags & EPHEMERAL) !== 0, []);
      if (msg.ephemeral) this.ephemeralFor.set(msg.id, it.userId);
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
      // With enforce_nonce, a nonce seen in the past few minutes returns that message and creates none.
      const nonce = validNonce(body.json.nonce);
      const nonceKey = nonce === undefined ? undefined : `${channel.id}:${nonce}`;
      const seen = nonceKey === undefined ? undefined : this.nonces.get(nonceKey);
      if (body.json.enforce_nonce === true && seen && Date.now() - seen.at < NONCE_WINDOW_MS) {
        this.nonceRepeats += 1;
        return { ...this.toApiMessage(seen.message), nonce };
      }
      const msg = this.create(channel.id, body, 'channel', false, []);
      if (nonceKey !== undefined) this.nonces.set(nonceKey, { message: msg, at: Date.now() });
      return { ...this.toApiMessage(msg), ...(nonce !== undefined ? { nonce } : {}) };
    }
    if (is('GET', '/channels/:cid/messages/:mid')) {
      const msg = this.messages.find((x) => x.id === seg[3] && x.channel_id === seg[1]);
      if (!msg || msg.ephemeral) throw apiError(404, 10008, 'Unknown Message');
      return this.toApiMessage(msg);
    }
    if (is('PATCH', '/channels/:cid/messages/:mid')) {
      const msg = this.messages.find((x) => x.id === seg[3] && x.channel_id === seg[1]);
      // Ephemeral messages exist only for their interaction's webhook; by channel they are unknown.
      if (!msg || msg.ephemeral) throw apiError(404, 10008, 'Unknown Message');
      this.edit(msg, body, 'channel', []);
      return this.toApiMessage(msg);
    }
    throw apiError(404, 0, `404: ${method} ${path} is not implemented by the fake`);
  }

  private callback(id: string, token: string, query: URLSearchParams, body: Body): unknown {
    const it = this.interactions.get(id);
    if (!it || it.token !== token || Date.now() - it.dispatchedAt > ACK_WINDOW_MS) throw apiError(404, 10062, 'Unknown interaction');
    if (it.acknowledged) throw apiError(400, 40060, 'Interaction has already been acknowledged.');
    const type = Number(body.json.type);
    if (!ALLOWED_CALLBACKS[it.kind].includes(type))
      throw formError(['type'], 'INTERACTION_RESPONSE_TYPE_INVALID', `Interaction response type ${type} is not valid for an interaction of type ${it.kind}.`);
    const data = (body.json.data ?? {}) as Json;
    const flags = Number(data.flags ?? 0);
    let msg: FakeDiscordMessage | undefined;
    switch (type) {
      case 4:
        msg = this.create(it.channelId, { json: data, files: body.files }, 'interaction', (flags & EPHEMERAL) !== 0, ['data']);
        break;
      case 5:
        msg = this.newMessage(it.channelId, '', 'interaction', (flags & EPHEMERAL) !== 0);
        msg.loading = true;
        msg.history = [];
        break;
      case 6:
        msg = this.sourceMessage(it, type);
        break;
      case 7:
        msg = this.sourceMessage(it, type);
        this.edit(msg, { json: data, files: body.files }, 'update', ['data']);
        break;
      case 8:
        validateChoices(data.choices);
        break;
      case 9:
        validateModal(data);
        this.modals.push({
          interactionId: it.id,
          userId: it.userId,
          channelId: it.channelId,
          customId: String(data.custom_id),
          title: String(data.title),
          components: data.components as APIModalInteractionResponseCallbackComponent[],
          at: Date.now(),
          messageId: it.kind === 3 ? it.sourceMessageId : undefined,
          submitted: false,
        });
        break;
    }
    it.acknowledged = true;
    it.response = { type, data, at: Date.now() };
    if (msg) {
      it.originalId = msg.id;
      it.ephemeral = msg.ephemeral;
      if ((type === 4 || type === 5) && msg.ephemeral) this.ephemeralFor.set(msg.id, it.userId);
    }
    this.changed();
    if (query.get('with_response') !== 'true') return undefined;
    return {
      interaction: {
        id: it.id,
        type: it.kind,
        ...(msg ? { response_message_id: msg.id, response_message_loading: msg.loading, response_message_ephemeral: msg.ephemeral } : {}),
      },
      resource: { type, ...(msg && (type === 4 || type === 7) ? { message: this.toApiMessage(msg) } : {}) },
    };
  }

  /** The message a DEFERRED_UPDATE_MESSAGE or UPDATE_MESSAGE callback acts on. */
  private sourceMessage(it: Interaction, type: number): FakeDiscordMessage {
    const msg = it.sourceMessageId ? this.messages.find((m) => m.id === it.sourceMessageId) : undefined;
    if (!msg) throw formError(['type'], 'INTERACTION_RESPONSE_TYPE_INVALID', `Interaction response type ${type} needs a message to update; this interaction has none.`);
    return msg;
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

  private create(channelId: string, body: Body, via: FakeDiscordMessage['via'], ephemeral: boolean, prefix: Path): FakeDiscordMessage {
    const v2 = (Number(body.json.flags ?? 0) & COMPONENTS_V2) !== 0;
    const components = validateComponents(body.json.components ?? [], [...prefix, 'components'], v2);
    const embeds = validateEmbeds(body.json.embeds ?? [], [...prefix, 'embeds']);
    const content = validContent(body.json.content, body.files.length > 0 || components.length > 0 || embeds.length > 0, true, prefix);
    const msg = this.newMessage(channelId, content, via, ephemeral);
    msg.files = body.files;
    msg.embeds = embeds;
    msg.components = components as unknown as APIMessageTopLevelComponent[];
    if (v2) this.v2Messages.add(msg.id);
    this.changed();
    return msg;
  }

  private edit(msg: FakeDiscordMessage, body: Body, via: FakeDiscordMessage['edits'][number], prefix: Path) {
    // Validate everything before changing anything: a refused edit leaves the message as it was.
    const v2 = this.v2Messages.has(msg.id) || (Number(body.json.flags ?? 0) & COMPONENTS_V2) !== 0;
    const components = 'components' in body.json ? validateComponents(body.json.components ?? [], [...prefix, 'components'], v2) : undefined;
    const embeds = 'embeds' in body.json ? validateEmbeds(body.json.embeds ?? [], [...prefix, 'embeds']) : undefined;
    const content = 'content' in body.json ? validContent(body.json.content, body.files.length > 0 || msg.files.length > 0, false, prefix) : undefined;
    if (content !== undefined) {
      msg.content = content;
      msg.history.push(content);
    }
    // Discord keeps the components when an edit leaves them out; `components: []` clears them.
    if (components !== undefined) msg.components = components as unknown as APIMessageTopLevelComponent[];
    if (embeds !== undefined) msg.embeds = embeds;
    if (v2) this.v2Messages.add(msg.id);
    if (body.files.length) msg.files = body.files;
    msg.loading = false;
    msg.edits.push(via);
    this.changed();
  }

  private newMessage(channelId: string, content: string, via: FakeDiscordMessage['via'], ephemeral: boolean): FakeDiscordMessage {
    const msg: FakeDiscordMessage = { id: this.snowflake(), channel_id: channelId, content, history: [content], ephemeral, loading: false, via, edits: [], files: [], components: [], embeds: [] };
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
      embeds: msg.embeds,
      pinned: false,
      flags: (msg.ephemeral ? EPHEMERAL : 0) | (msg.loading ? LOADING : 0) | (this.v2Messages.has(msg.id) ? COMPONENTS_V2 : 0),
      components: msg.components,
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

/**
 * Discord's 400 "Invalid Form Body" (50035), with `errors` nested along `path` as Discord nests
 * them; discord.js flattens that to `path[CODE]: message` in its error message.
 */
function formError(path: Path, code: string, message: string): ApiError {
  let errors: Json = { _errors: [{ code, message }] };
  for (const key of [...path].reverse()) errors = { [String(key)]: errors };
  const flat = path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${k}` : k), '');
  return { status: 400, code: 50035, message: 'Invalid Form Body', errors, detail: `${flat}[${code}]: ${message}` };
}

function isApiError(err: unknown): err is ApiError {
  return typeof err === 'object' && err !== null && 'status' in err && 'code' in err && 'message' in err;
}

/** Discord's embed limits: 10 embeds; title 256, description 4096, 25 fields of 256 / 1024, footer 2048, 6000 characters in all. */
function validateEmbeds(raw: unknown, path: Path): APIEmbed[] {
  if (!Array.isArray(raw)) throw formError(path, 'LIST_TYPE_CONVERT', 'Must be an array.');
  if (raw.length > 10) throw formError(path, 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  (raw as Json[]).forEach((e, i) => {
    const p = [...path, i];
    checkLength(e.title, [...p, 'title'], 1, 256, false);
    checkLength(e.description, [...p, 'description'], 1, 4096, false);
    const fields = (e.fields ?? []) as Json[];
    if (fields.length > 25) throw formError([...p, 'fields'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    fields.forEach((f, j) => {
      checkLength(f.name, [...p, 'fields', j, 'name'], 1, 256, true);
      checkLength(f.value, [...p, 'fields', j, 'value'], 1, 1024, true);
    });
    const footer = (e.footer as Json | undefined)?.text;
    checkLength(footer, [...p, 'footer', 'text'], 1, 2048, false);
    const total = [e.title, e.description, footer, ...fields.flatMap((f) => [f.name, f.value])].reduce<number>((a, v) => a + (typeof v === 'string' ? v.length : 0), 0);
    if (total > 6000) throw formError(p, 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
  });
  return raw as APIEmbed[];
}

/** A message nonce as Discord takes it: an integer, or a string of at most 25 characters. */
function validNonce(raw: unknown): string | number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'number' && Number.isInteger(raw)) return raw;
  if (typeof raw === 'string' && raw.length <= 25) return raw;
  throw formError(['nonce'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
}

/** Discord's rules for message content: at most 2000 characters, and not empty without files, components or embeds. */
function validContent(raw: unknown, hasOther: boolean, creating: boolean, prefix: Path): string {
  const content = raw === undefined || raw === null ? '' : String(raw);
  if (content.length > 2000) throw formError([...prefix, 'content'], 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
  if (creating && content === '' && !hasOther) throw apiError(400, 50006, 'Cannot send an empty message');
  return content;
}

/** Checks a string field's length the way Discord words it. */
function checkLength(value: unknown, path: Path, min: number, max: number, required: boolean): void {
  if (value === undefined || value === null) {
    if (required) throw formError(path, 'BASE_TYPE_REQUIRED', 'This field is required');
    return;
  }
  const s = String(value);
  if (s.length >= min && s.length <= max) return;
  if (min <= 0) throw formError(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
  throw formError(path, 'BASE_TYPE_BAD_LENGTH', `Must be between ${min} and ${max} in length.`);
}

function checkCount(list: unknown, path: Path, min: number, max: number): unknown[] {
  if (!Array.isArray(list)) throw formError(path, 'BASE_TYPE_REQUIRED', 'This field is required');
  if (list.length < min || list.length > max)
    throw min <= 0
      ? formError(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`)
      : formError(path, 'BASE_TYPE_BAD_LENGTH', `Must be between ${min} and ${max} in length.`);
  return list;
}

/**
 * Validates message components as Discord does: at most 5 action rows, each with 1–5 buttons or
 * exactly one select; custom ids 1–100 characters and unique in the message; button labels ≤ 80;
 * link buttons with a url and no custom id; selects with 1–25 options (label and value ≤ 100,
 * values unique), placeholder ≤ 150 and min_values ≤ max_values ≤ options. With the
 * IS_COMPONENTS_V2 flag the layout is free, the interactive components are checked the same.
 */
function validateComponents(raw: unknown, path: Path, v2: boolean): Json[] {
  const rows = (v2 ? checkCount(raw, path, 0, 40) : checkCount(raw, path, 0, 5)) as Json[];
  const seen = new Set<string>();
  const interactive = (c: Json, p: Path) => {
    if (c.type === 2) checkButton(c, p, seen);
    else if (typeof c.type === 'number' && SELECT_TYPES.has(c.type)) checkSelect(c, p, seen);
    else throw formError([...p, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (2, 3, 5, 6, 7, 8).');
  };
  const row = (r: Json, p: Path) => {
    const children = checkCount(r.components, [...p, 'components'], 1, 5) as Json[];
    children.forEach((c, j) => {
      if (SELECT_TYPES.has(Number(c.type)) && children.length > 1)
        throw formError([...p, 'components', j], 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', 'The specified component exceeds the maximum width');
      interactive(c, [...p, 'components', j]);
    });
  };
  const walkV2 = (c: Json, p: Path) => {
    if (c.type === 1) row(c, p);
    else if (c.type === 9 && c.accessory && (c.accessory as Json).type === 2) checkButton(c.accessory as Json, [...p, 'accessory'], seen);
    else if (c.type === 17 && Array.isArray(c.components)) (c.components as Json[]).forEach((x, i) => walkV2(x, [...p, 'components', i]));
  };
  rows.forEach((r, i) => {
    if (v2) return walkV2(r, [...path, i]);
    if (r.type !== 1) throw formError([...path, i, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (1,).');
    row(r, [...path, i]);
  });
  return rows;
}

function checkCustomId(c: Json, p: Path, seen: Set<string>) {
  checkLength(c.custom_id, [...p, 'custom_id'], 1, 100, true);
  const id = String(c.custom_id);
  if (seen.has(id)) throw formError([...p, 'custom_id'], 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id was already specified');
  seen.add(id);
}

function checkButton(c: Json, p: Path, seen: Set<string>) {
  const style = Number(c.style);
  if (!(style >= 1 && style <= 6)) throw formError([...p, 'style'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2, 3, 4, 5, 6}.');
  checkLength(c.label, [...p, 'label'], 0, 80, false);
  if (style === 5) {
    if (c.custom_id !== undefined) throw formError([...p, 'custom_id'], 'BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED', 'A link button cannot have a custom id');
    checkLength(c.url, [...p, 'url'], 1, 512, true);
    if (!/^(https?|discord):\/\//.test(String(c.url))) throw formError([...p, 'url'], 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
    return;
  }
  if (style === 6) return;
  if (c.url !== undefined) throw formError([...p, 'url'], 'BUTTON_COMPONENT_URL_NOT_ALLOWED', 'Only a link button can have a url');
  checkCustomId(c, p, seen);
}

function checkSelect(c: Json, p: Path, seen: Set<string>) {
  checkCustomId(c, p, seen);
  checkLength(c.placeholder, [...p, 'placeholder'], 0, 150, false);
  const min = c.min_values === undefined ? 1 : Number(c.min_values);
  const max = c.max_values === undefined ? 1 : Number(c.max_values);
  if (!(min >= 0 && min <= 25)) throw formError([...p, 'min_values'], 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 25.');
  if (!(max >= 1 && max <= 25)) throw formError([...p, 'max_values'], 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 25.');
  if (min > max) throw formError([...p, 'min_values'], 'SELECT_COMPONENT_MIN_VALUES_GREATER_THAN_MAX', 'min_values must be less than or equal to max_values');
  if (c.type !== 3) return;
  const options = checkCount(c.options, [...p, 'options'], 1, 25) as Json[];
  const values = new Set<string>();
  options.forEach((o, i) => {
    checkLength(o.label, [...p, 'options', i, 'label'], 1, 100, true);
    checkLength(o.value, [...p, 'options', i, 'value'], 1, 100, true);
    checkLength(o.description, [...p, 'options', i, 'description'], 0, 100, false);
    if (values.has(String(o.value))) throw formError([...p, 'options', i], 'SELECT_COMPONENT_OPTION_VALUE_DUPLICATED', 'The specified option value is already used');
    values.add(String(o.value));
  });
  if (max > options.length) throw formError([...p, 'max_values'], 'SELECT_COMPONENT_MAX_VALUES_EXCEEDS_OPTIONS', 'max_values must be less than or equal to the number of options');
}

/** Discord's rules for a modal (callback type 9): title ≤ 45, custom id ≤ 100, 1–5 components, valid text inputs. */
function validateModal(data: Json) {
  checkLength(data.title, ['data', 'title'], 1, 45, true);
  checkLength(data.custom_id, ['data', 'custom_id'], 1, 100, true);
  const top = checkCount(data.components, ['data', 'components'], 1, 5) as Json[];
  const seen = new Set<string>();
  const input = (c: Json, p: Path, inRow: boolean) => {
    if (c.type === 3 && !inRow) return checkSelect(c, p, seen);
    if (c.type !== 4) throw formError([...p, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (4,).');
    checkCustomId(c, p, seen);
    if (![1, 2].includes(Number(c.style))) throw formError([...p, 'style'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2}.');
    if (inRow) checkLength(c.label, [...p, 'label'], 1, 45, true);
    checkLength(c.placeholder, [...p, 'placeholder'], 0, 100, false);
    checkLength(c.value, [...p, 'value'], 0, 4000, false);
    if (c.min_length !== undefined && !(Number(c.min_length) >= 0 && Number(c.min_length) <= 4000))
      throw formError([...p, 'min_length'], 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 4000.');
    if (c.max_length !== undefined && !(Number(c.max_length) >= 1 && Number(c.max_length) <= 4000))
      throw formError([...p, 'max_length'], 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 4000.');
  };
  top.forEach((c, i) => {
    const p: Path = ['data', 'components', i];
    if (c.type === 1) (checkCount(c.components, [...p, 'components'], 1, 1) as Json[]).forEach((x, j) => input(x, [...p, 'components', j], true));
    else if (c.type === 18) {
      checkLength(c.label, [...p, 'label'], 1, 45, true);
      checkLength(c.description, [...p, 'description'], 0, 100, false);
      if (!c.component || typeof c.component !== 'object') throw formError([...p, 'component'], 'BASE_TYPE_REQUIRED', 'This field is required');
      input(c.component as Json, [...p, 'component'], false);
    } else if (c.type === 10) checkLength(c.content, [...p, 'content'], 1, 4000, true);
    else throw formError([...p, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (1, 10, 18).');
  });
}

/** Discord's rules for autocomplete choices: at most 25, names 1–100 characters, string values ≤ 100. */
function validateChoices(raw: unknown) {
  const choices = checkCount(raw, ['data', 'choices'], 0, 25) as Json[];
  choices.forEach((c, i) => {
    checkLength(c.name, ['data', 'choices', i, 'name'], 1, 100, true);
    if (typeof c.value === 'string') checkLength(c.value, ['data', 'choices', i, 'value'], 0, 100, false);
    else if (typeof c.value !== 'number') throw formError(['data', 'choices', i, 'value'], 'BASE_TYPE_REQUIRED', 'This field is required');
  });
}

/** Every component in a message, rows and containers opened up. */
function flattenComponents(list: Json[]): Json[] {
  return list.flatMap((c) => [
    c,
    ...(Array.isArray(c.components) ? flattenComponents(c.components as Json[]) : []),
    ...(c.accessory && typeof c.accessory === 'object' ? [c.accessory as Json] : []),
  ]);
}

function optionDefs(command: Record<string, unknown>): OptionDef[] {
  return (Array.isArray(command.options) ? command.options : []) as OptionDef[];
}

/** A test's option value, checked against the registered definition as Discord's client would. */
function checkOptionValue(command: string, def: OptionDef, value: string | number | boolean): string | number | boolean {
  const kind = OPTION_TYPES[def.type];
  const fail = (why: string) => new Error(`/${command} option "${def.name}" (${kind ?? `type ${def.type}`}) ${why}`);
  if (!kind) throw fail('is of a type the fake cannot fill');
  if (kind === 'string' && typeof value !== 'string') throw fail(`takes a string, not ${JSON.stringify(value)}`);
  if (kind === 'boolean' && typeof value !== 'boolean') throw fail(`takes a boolean, not ${JSON.stringify(value)}`);
  if ((kind === 'integer' || kind === 'number') && typeof value !== 'number') throw fail(`takes a number, not ${JSON.stringify(value)}`);
  if (kind === 'integer' && !Number.isInteger(value)) throw fail(`takes an integer, not ${String(value)}`);
  if (def.choices && !def.choices.some((c) => c.value === value)) throw fail(`must be one of its choices ${JSON.stringify(def.choices.map((c) => c.value))}`);
  if (typeof value === 'number' && ((def.min_value !== undefined && value < def.min_value) || (def.max_value !== undefined && value > def.max_value)))
    throw fail(`must be within ${def.min_value ?? '-∞'}..${def.max_value ?? '∞'}`);
  if (typeof value === 'string' && ((def.min_length !== undefined && value.length < def.min_length) || (def.max_length !== undefined && value.length > def.max_length)))
    throw fail(`must be ${def.min_length ?? 0}..${def.max_length ?? 6000} characters`);
  return value;
}

/** The values a user may pick in a string select, as Discord's client allows them. */
function checkSelectValues(c: Json, values: string[], what: string) {
  const options = ((c.options ?? []) as Json[]).map((o) => String(o.value));
  const min = c.min_values === undefined ? 1 : Number(c.min_values);
  const max = c.max_values === undefined ? 1 : Number(c.max_values);
  for (const v of values) if (!options.includes(v)) throw new Error(`${what} has no option "${v}" (options: ${options.join(', ')})`);
  if (new Set(values).size !== values.length) throw new Error(`${what}: each option can be picked once`);
  if (values.length < min || values.length > max) throw new Error(`${what} takes ${min}..${max} values, not ${values.length}`);
}

/** A modal text input's value, checked as Discord's client checks it before submitting. */
function checkTextInput(c: Json, value: string) {
  const required = c.required !== false;
  const id = String(c.custom_id);
  if (value === '') {
    if (required) throw new Error(`Text input "${id}" is required: Discord's client will not submit it empty`);
    return;
  }
  const min = c.min_length === undefined ? 0 : Number(c.min_length);
  const max = c.max_length === undefined ? 4000 : Number(c.max_length);
  if (value.length < min || value.length > max) throw new Error(`Text input "${id}" takes ${min}..${max} characters, not ${value.length}`);
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { ...headers, 'content-type': 'application/json' });
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
