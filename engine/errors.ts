/**
 * Engine errors. Every error the engine throws derives from {@link BaseError}, carries a literal
 * `name`, a human `shortMessage`, optional `details`, the wrapped `cause`, and `retryable`, which
 * tells a caller (a BullMQ worker, a chat adapter, the REST API) how to react: retry later, or
 * give up and show the message.
 */
import { BaseError as ProjectBaseError, type BaseErrorParameters as ProjectErrorParameters } from '../platform/errors.ts';

export type BaseErrorParameters = Pick<ProjectErrorParameters, 'details' | 'cause' | 'metaMessages'>;

/**
 * Base class of all engine errors: the project's one `BaseError` (so platform code, jobs and
 * adapters treat engine errors like any other), with `retryable` fixed by each subclass.
 */
export abstract class BaseError extends ProjectBaseError {
  abstract override readonly name: string;
}

/** A dataset cannot be used for training or retrieval (empty, too small, binary, rows too long). */
export class InvalidDatasetError extends BaseError {
  override readonly name = 'InvalidDatasetError' as const;
  override readonly retryable = false;
  readonly datasetId: string | undefined;
  constructor(shortMessage: string, params: BaseErrorParameters & { datasetId?: string } = {}) {
    super(shortMessage, params);
    this.datasetId = params.datasetId;
  }
}

/** Bytes that were supposed to be a checkpoint are not one (truncated, bit-flipped, other format). */
export class CorruptCheckpointError extends BaseError {
  override readonly name = 'CorruptCheckpointError' as const;
  override readonly retryable = false;
  readonly key: string | undefined;
  constructor(shortMessage: string, params: BaseErrorParameters & { key?: string } = {}) {
    super(shortMessage, params);
    this.key = params.key;
  }
}

/** A valid checkpoint whose architecture differs from the model it is loaded into. */
export class ArchitectureMismatchError extends BaseError {
  override readonly name = 'ArchitectureMismatchError' as const;
  override readonly retryable = false;
  readonly expected: string;
  readonly actual: string;
  constructor(params: BaseErrorParameters & { expected: string; actual: string; key?: string }) {
    super(
      `Checkpoint${params.key ? ` "${params.key}"` : ''} was made for another model architecture.`,
      {
        ...params,
        metaMessages: [`expected fingerprint: ${params.expected}`, `checkpoint fingerprint: ${params.actual}`],
      },
    );
    this.expected = params.expected;
    this.actual = params.actual;
  }
}

/** The prompt (plus retrieved context) does not fit the model's context window. */
export class ContextOverflowError extends BaseError {
  override readonly name = 'ContextOverflowError' as const;
  override readonly retryable = false;
  readonly tokens: number;
  readonly limit: number;
  constructor(params: { tokens: number; limit: number }) {
    super(`The prompt is too long: ${params.tokens} tokens, the limit is ${params.limit}.`, {
      metaMessages: ['Shorten the message or start a new conversation.'],
    });
    this.tokens = params.tokens;
    this.limit = params.limit;
  }
}

/** The serving queue is full. Retry after a short wait. */
export class EngineBusyError extends BaseError {
  override readonly name = 'EngineBusyError' as const;
  override readonly retryable = true;
  readonly queued: number;
  constructor(params: { queued: number; limit: number }) {
    super('The engine is busy, try again in a few seconds.', {
      details: `${params.queued} requests already queued (limit ${params.limit})`,
    });
    this.queued = params.queued;
  }
}

/** A call's arguments are wrong (bad option values, unknown assistant, empty messages). */
export class InvalidRequestError extends BaseError {
  override readonly name = 'InvalidRequestError' as const;
  override readonly retryable = false;
}

/** An operation was cancelled through its AbortSignal. */
export class AbortedError extends BaseError {
  override readonly name = 'AbortedError' as const;
  override readonly retryable = true;
  constructor(params: BaseErrorParameters = {}) {
    super('The operation was cancelled.', params);
  }
}

/** No tfjs backend could be initialised. */
export class BackendUnavailableError extends BaseError {
  override readonly name = 'BackendUnavailableError' as const;
  override readonly retryable = false;
}

/** Reading or writing checkpoint storage failed (the store threw). Usually transient. */
export class CheckpointStoreError extends BaseError {
  override readonly name = 'CheckpointStoreError' as const;
  override readonly retryable = true;
}

/** A serving worker thread died or the pool was closed while a request was in flight. */
export class WorkerCrashedError extends BaseError {
  override readonly name = 'WorkerCrashedError' as const;
  override readonly retryable = true;
}

/** Union of every error the engine throws. */
export type EngineError =
  | InvalidDatasetError
  | CorruptCheckpointError
  | ArchitectureMismatchError
  | ContextOverflowError
  | EngineBusyError
  | InvalidRequestError
  | AbortedError
  | BackendUnavailableError
  | CheckpointStoreError
  | WorkerCrashedError;
