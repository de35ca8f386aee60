import type { ChatPlatform } from '../identity/ensureUser.ts';

/** A chat (and optionally one message in it) on some transport. */
export type ChatTarget = { transport: ChatPlatform; chatId: string; messageId?: string | undefined };

/** A picture to send with a message. */
export type ChatImage = { png: Uint8Array; fileName: string };

/**
 * How platform code talks to chats without knowing Telegram, Discord or the web page.
 * Each transport adapter implements it; a router picks the adapter by `target.transport`.
 */
export type ChatOutbox = {
  /** Sends a new message; returns its id. */
  send(target: ChatTarget, text: string, image?: ChatImage): Promise<string>;
  /** Replaces the text of `target.messageId`. Editing to the same text is not an error. */
  edit(target: ChatTarget & { messageId: string }, text: string): Promise<void>;
};

/** Routes each call to the outbox of the target's transport. */
export function createOutboxRouter(outboxes: Partial<Record<ChatPlatform, ChatOutbox>>): ChatOutbox {
  const pick = (t: ChatTarget) => {
    const o = outboxes[t.transport];
    if (!o) throw new Error(`No ${t.transport} transport is running, so a message to it cannot be delivered.`);
    return o;
  };
  return {
    send: (target, text, image) => pick(target).send(target, text, image),
    edit: (target, text) => pick(target).edit(target, text),
  };
}
