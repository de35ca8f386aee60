import type { Passage } from '../finetune/parseDatasets.ts';
import type { GenerationResult, SamplingOptions } from './generate.ts';

/** Messages from the pool to a serving worker. */
export type ToWorker =
  | { type: 'init'; candidates?: string[] | undefined; maxBatch: number }
  | { type: 'model'; key: string; version: number; bytes: Uint8Array; passages: Passage[] }
  | { type: 'generate'; id: number; key: string; version: number; prompt: Uint8Array; options: SamplingOptions; query: string | null; topPassages: number };

/** Messages from a serving worker to the pool. */
export type FromWorker =
  | { type: 'ready'; backend: string; skipped: Array<{ candidate: string; reason: string }> }
  | { type: 'need'; id: number; key: string }
  | { type: 'result'; id: number; result: GenerationResult; hits: Array<{ passage: Passage; score: number }>; batchSize: number }
  | { type: 'error'; id: number; name: string; message: string };
