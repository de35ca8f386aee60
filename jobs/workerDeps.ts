import type { Db } from '../platform/db/client.ts';
import type { AesKey } from '../platform/crypto/aead.ts';
import type { BlobStore } from '../platform/storage/blobStore.ts';
import type { DatasetLimits } from '../platform/datasets/validateDataset.ts';
import type { FileFetcher } from '../platform/datasets/uploadSource.ts';
import type { ReviewPolicy } from '../platform/datasets/reviewDataset.ts';
import type { ChainDeps } from '../platform/chain/clients.ts';
import type { ChatOutbox } from '../platform/notifications/types.ts';
import type { Logger } from '../platform/log.ts';
import type { Queues, QueueSettings } from './queues.ts';
import type { Engine, EngineFinetuneParameters } from '../engine/index.ts';

/** The services every worker is built from, passed in explicitly. */
export type WorkerDeps = {
  db: Db;
  blobs: BlobStore;
  masterKey: AesKey;
  limits: DatasetLimits;
  fetchFile: FileFetcher;
  reviewPolicy: ReviewPolicy;
  chain: ChainDeps;
  outbox: ChatOutbox;
  queues: Queues;
  settings: QueueSettings;
  log: Logger;
  /** The ML engine, in processes that fine-tune. */
  engine?: Engine | undefined;
  /** Overrides of the engine's fine-tune schedule (steps, batch). */
  /** Lock of a fine-tune job (ms): how soon a killed worker's job is resumed elsewhere. */
  finetuneLockMs?: number | undefined;
  finetuneOptions?: Partial<Pick<EngineFinetuneParameters, 'minSteps' | 'maxSteps' | 'batchSize' | 'epochs' | 'checkpointEvery'>>;
};
