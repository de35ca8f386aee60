/** Every queue's name, in pipeline order (no imports: the CLI reads it without loading BullMQ). */
export const QUEUE_NAMES = ['ingest', 'review', 'mint', 'finetune', 'notify', 'index', 'webhook', 'governance'] as const;
