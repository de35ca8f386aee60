import type { ChatPlatform } from '../identity/ensureUser.ts';
import { ServiceError } from '../errors.ts';
import type { ChatImage, Reply } from '../chat/reply.ts';

export type { ChatImage };

/** A chat (and optionally one message in it) on some transport. */
export type ChatTarget = { transport: ChatPlatform; chatId: string; messageId?: string | undefined };

/** How a message is sent. */
export type SendOptions = {
  /**
   * Names this message: a transport that can (Discord's message nonce) makes the platform drop a
   * second send with the same key within `idempotentSendWindowMs`. Others ignore it.
   */
  idempotencyKey?: string | undefined;
};

/** One transport's way of sending, editing and finding a person's private chat. */
export type TransportOutbox = {
  /** Sends a new message; returns its id. */
  send(target: ChatTarget, reply: Reply, options?: SendOptions): Promise<string>;
  /** Replaces the text and controls of `target.messageId`. Editing to the same content is not an error. */
  edit(target: ChatTarget & { messageId: string }, reply: Reply): Promise<void>;
  /** The private chat with a person of this transport (their DM with the bot). */
  directChat(externalUserId: string): Promise<ChatTarget>;
  /**
   * How long the platform itself drops a repeated send with the same `idempotencyKey`; absent
   * when it cannot (Telegram has no such key), and then a send repeated after a crash shows twice.
   */
  idempotentSendWindowMs?: number | undefined;
};

/**
 * How platform code talks to chats without knowing Telegram, Discord or the web page: a router
 * over the transports this process runs, picking one by `target.transport`.
 */
export type ChatOutbox = {
  send(target: ChatTarget, reply: Reply, options?: SendOptions): Promise<string>;
  edit(target: ChatTarget & { messageId: string }, reply: Reply): Promise<void>;
  /** The private chat with the person behind a chat identity. */
  directChat(identity: { platform: ChatPlatform; externalId: string }): Promise<ChatTarget>;
  /** The transport's `idempotentSendWindowMs` (0 when it has none, or does not run here). */
  idempotentSendWindowMs?(transport: ChatPlatform): number;
};

/** No adapter for a transport runs in this process. Retryable: another process (or a restart) may have it. */
export class TransportUnavailableError extends ServiceError {
  override name = 'TransportUnavailableError' as const;
}

/** Routes each call to the outbox of the target's transport. */
export function createOutboxRouter(outboxes: Partial<Record<ChatPlatform, TransportOutbox>>): ChatOutbox {
  const pick = (transport: ChatPlatform) => {
    const o = outboxes[transport];
    if (!o)
      throw new TransportUnavailableError(`No ${transport} transport is running, so a message to it cannot be delivered.`, {
        retryable: true,
      });
    return o;
  };
  return {
    send: async (target, reply, options) => pick(target.transport).send(target, reply, options),
    edit: async (target, reply) => pick(target.transport).edit(target, reply),
    directChat: async (identity) => pick(identity.platform).directChat(identity.externalId),
    idempotentSendWindowMs: (transport) => outboxes[transport]?.idempotentSendWindowMs ?? 0,
  };
}

/**
 * Whether a transport refused a message for good because of the recipient (Discord 50007: DMs
 * closed; Telegram 403: bot blocked or never started). Transport errors mark themselves with
 * `recipientUnreachable = true`; retrying cannot help, so the message goes to the web inbox.
 */
export function isRecipientUnreachable(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { recipientUnreachable?: unknown }).recipientUnreachable === true) return true;
  }
  return false;
}

/**
 * How long a transport asked to wait before trying again (Telegram's 429 `retry_after`), in
 * milliseconds; undefined when it did not. Transport errors carry it as `retryAfterMs`.
 */
export function retryAfterOf(err: unknown): number | undefined {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const ms = (e as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof ms === 'number' && ms >= 0) return ms;
  }
  return undefined;
}
