import type { ChatPlatform } from '../identity/ensureUser.ts';
import { ServiceError } from '../errors.ts';
import type { ChatImage, Reply } from '../chat/reply.ts';

export type { ChatImage };

/** A chat (and optionally one message in it) on some transport. */
export type ChatTarget = { transport: ChatPlatform; chatId: string; messageId?: string | undefined };

/** One transport's way of sending, editing and finding a person's private chat. */
export type TransportOutbox = {
  /** Sends a new message; returns its id. */
  send(target: ChatTarget, reply: Reply): Promise<string>;
  /** Replaces the text and controls of `target.messageId`. Editing to the same content is not an error. */
  edit(target: ChatTarget & { messageId: string }, reply: Reply): Promise<void>;
  /** The private chat with a person of this transport (their DM with the bot). */
  directChat(externalUserId: string): Promise<ChatTarget>;
};

/**
 * How platform code talks to chats without knowing Telegram, Discord or the web page: a router
 * over the transports this process runs, picking one by `target.transport`.
 */
export type ChatOutbox = {
  send(target: ChatTarget, reply: Reply): Promise<string>;
  edit(target: ChatTarget & { messageId: string }, reply: Reply): Promise<void>;
  /** The private chat with the person behind a chat identity. */
  directChat(identity: { platform: ChatPlatform; externalId: string }): Promise<ChatTarget>;
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
    send: async (target, reply) => pick(target.transport).send(target, reply),
    edit: async (target, reply) => pick(target.transport).edit(target, reply),
    directChat: async (identity) => pick(identity.platform).directChat(identity.externalId),
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
