import type { GovernanceDeps } from '../../governance/actions/types.ts';
import type { MoneyDeps } from '../../platform/money/types.ts';
import type { ChatIdentity, ChatPlatform } from '../../platform/identity/ensureUser.ts';
import type { UploadSource } from '../../platform/datasets/uploadSource.ts';
import type { Reply } from '../../platform/chat/reply.ts';
import type { Db } from '../../platform/db/client.ts';
import type { AesKey } from '../../platform/crypto/aead.ts';
import type { BlobStore } from '../../platform/storage/blobStore.ts';
import type { JobsPort } from '../../platform/jobsPort.ts';
import type { DatasetLimits } from '../../platform/datasets/validateDataset.ts';
import type { FairUse } from '../../platform/limits/fairUse.ts';
import type { AssistantChat } from '../../platform/assistants/assistantChat.ts';
import type { ChatOutbox } from '../../platform/notifications/types.ts';
import type { ReviewSettings } from '../../platform/review/settings.ts';
import type { StatusReport } from '../../platform/status.ts';
import type { Logger } from '../../platform/log.ts';

export type { StatusReport };

/**
 * One conversation as the command core sees it: who speaks, where, and how to answer. Each
 * transport builds one per incoming message, command or control press.
 */
export type Conversation = {
  identity: ChatIdentity;
  chat: {
    transport: ChatPlatform;
    chatId: string;
    /** A one-to-one chat with the bot (a DM), where nothing is seen by others. */
    isPrivate: boolean;
  };
  /** How the transport takes forms: natively (Discord modals, web forms) or as guided steps (Telegram). */
  forms: 'native' | 'steps';
  /** How a multi-choice select is answered: the whole choice at once, or one option toggled per press. */
  multiSelect: 'values' | 'toggle';
  /**
   * Whether answers can be shown to one person inside a shared chat (Discord's ephemeral
   * messages). Where they cannot, personal commands in a group ask to be run in a private chat.
   */
  ephemeral: boolean;
  /** Sends a new message in this chat; returns its id (for later edits). */
  reply(reply: Reply): Promise<string>;
  /** Replaces the message a control was pressed on (only for control presses). */
  update?: ((reply: Reply) => Promise<void>) | undefined;
  /** A short notice only the person sees where the transport allows (a refused or expired control). */
  notice(text: string): Promise<void>;
};

/** A file a person sent, not yet downloaded. */
export type IncomingFile = {
  fileName: string;
  /** Size the transport declared, if it did. */
  size?: number | undefined;
  source: UploadSource;
};

/** Everything the chat core's commands reach the domain through (all passed in, no globals). */
export type CoreDeps = {
  db: Db;
  masterKey: AesKey;
  blobs: BlobStore;
  jobs: JobsPort;
  limits: DatasetLimits;
  fairUse: FairUse;
  outbox: ChatOutbox;
  review: ReviewSettings;
  status: () => Promise<StatusReport>;
  /** Chat with assistants (absent where no engine serves them). */
  chat?: AssistantChat | undefined;
  /** Longest passage an answer quotes from the data (CITATION_MAX_CHARS). */
  maxQuoteChars: number;
  /** Wallets, licenses, earnings: the chain and the users' custodial keys. */
  money: MoneyDeps;
  /** Proposals and votes through the hub in this process (absent where no hub runs). */
  governance?: GovernanceDeps | undefined;
  log: Logger;
};
