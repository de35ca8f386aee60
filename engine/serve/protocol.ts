import type { Passage } from '../finetune/parseDatasets.ts';
import type { AnswerCandidate } from './rankAnswers.ts';
import type { GenerationResult, SamplingOptions } from './generate.ts';

/** An answer request: retrieve candidates for `query` and (with `useModel`) score them with the model. */
export type AnswerRequest = { key: string; version: number; query: string; candidates: number; useModel: boolean };

/** Messages from the pool to a serving worker. */
export type ToWorker =
  | { type: 'init'; candidates?: string[] | undefined; maxBatch: number; maxModels?: number | undefined }
  | { type: 'model'; key: string; version: number; bytes: Uint8Array; passages: Passage[] }
  | { type: 'generate'; id: number; key: string; version: number; prompt: Uint8Array; options: SamplingOptions; query: string | null; topPassages: number }
  | ({ type: 'answer'; id: number } & AnswerRequest)
  | { type: 'memory'; id: number };

/** Messages from a serving worker to the pool. */
export type FromWorker =
  | { type: 'ready'; backend: string; skipped: Array<{ candidate: string; reason: string }> }
  | { type: 'need'; id: number; key: string }
  | { type: 'result'; id: number; result: GenerationResult; hits: Array<{ passage: Passage; score: number }>; batchSize: number }
  | { type: 'answer'; id: number; candidates: AnswerCandidate[]; scoredTokens: number }
  | { type: 'error'; id: number; name: string; message: string }
  | { type: 'memory'; id: number; models: number; bytes: number; tensorBytes: number };
