import type { ChatIdentity, ChatPlatform } from '../../platform/identity/ensureUser.ts';
import type { UploadSource } from '../../platform/datasets/uploadSource.ts';
import type { ChatImage } from '../../platform/notifications/types.ts';

/** One conversation as the command core sees it: who speaks, where, and how to answer. */
export type Conversation = {
  identity: ChatIdentity;
  chat: { transport: ChatPlatform; chatId: string };
  /** Sends a message in this chat; returns its id (for later edits). */
  reply(text: string, image?: ChatImage): Promise<string>;
};

/** A file a person sent, not yet downloaded. */
export type IncomingFile = {
  fileName: string;
  /** Size the transport declared, if it did. */
  size?: number | undefined;
  source: UploadSource;
};

/** A health line per dependency, as `/status` and `GET /health` show them. */
export type StatusReport = {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail: string }>;
};
