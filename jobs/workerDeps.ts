import type { Db } from '../platform/db/client.ts';
import type { AesKey } from '../platform/crypto/aead.ts';
import type { BlobStore } from '../platform/storage/blobStore.ts';
import type { DatasetLimits } from '../platform/datasets/validateDataset.ts';
import type { FileFetcher } from '../platform/datasets/uploadSource.ts';
import type { ChainDeps } from '../platform/chain/clients.ts';
import type { ChatOutbox } from '../platform/notifications/types.ts';
import type { JobsPort } from '../platform/jobsPort.ts';
import type { ReviewSettings } from '../platform/review/settings.ts';
import type { RunFinetuneDeps } from '../platform/assistants/runFinetune.ts';
import type { Logger } from '../platform/log.ts';
import type { MoneyDeps } from '../platform/money/types.ts';
import type { QueueSettings } from './queues.ts';
import type { Engine } from '../engine/index.ts';
import type { Pacer } from '../platform/limits/pacer.ts';
import type { NotifyRate } from './workers/notify.ts';
import type { WebhookSettings } from '../platform/webhooks/types.ts';
import type { ChannelPostDeps } from '../governance/channel/types.ts';

/** The services every worker is built from, passed in explicitly. */
export type WorkerDeps = {
  db: Db;
  blobs: BlobStore;
  masterKey: AesKey;
  limits: DatasetLimits;
  fetchFile: FileFetcher;
  chain: ChainDeps;
  outbox: ChatOutbox;
  jobs: JobsPort;
  settings: QueueSettings;
  log: Logger;
  review: ReviewSettings;
  /** The ML engine, in processes that fine-tune. */
  engine?: Engine | undefined;
  /** Lock of a fine-tune job (ms): how soon a killed worker's job is resumed elsewhere. */
  finetuneLockMs?: number | undefined;
  /** Overrides of the engine's fine-tune schedule (steps, batch). */
  finetuneOptions?: RunFinetuneDeps['finetuneOptions'];
  /** How often (ms) the chain indexer runs (INDEXER_INTERVAL); without it, `index` jobs run only when queued. */
  indexerIntervalMs?: number | undefined;
  /** Currencies and settings for earnings messages (after each index pass); without it none are sent. */
  money?: Pick<MoneyDeps, 'currencies' | 'settings'> | undefined;
  /** The notify worker's rate per transport (NOTIFY_RATE) and the shared pacer that keeps it; unpaced without it. */
  notifyPacing?: { pacer: Pacer; perSecond: NotifyRate } | undefined;
  /** Webhook delivery (WEBHOOK_* settings); the defaults without it. */
  webhooks?: WebhookSettings | undefined;
  /** Posting proposals to the governance channels (GOVERNANCE_CHANNELS) and how often to sweep; the `governance` worker idles without it. */
  governanceChannels?: { deps: ChannelPostDeps; sweepIntervalMs: number } | undefined;
};
