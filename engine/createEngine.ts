import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { selectBackend, type BackendCandidate, type SelectBackendReturnType } from './backend/selectBackend.ts';
import { decodeCheckpoint } from './checkpoint/format.ts';
import type { CheckpointStore } from './checkpoint/store.ts';
import { InvalidRequestError } from './errors.ts';
import { assistantKeys, finetune, type FinetuneParameters, type FinetuneReturnType } from './finetune/finetune.ts';
import type { Passage } from './finetune/parseDatasets.ts';
import type { ModelConfig } from './model/config.ts';
import { composeAnswer, personaOf, type ChatMessage, type Citation } from './serve/composeAnswer.ts';
import { createLruCache } from './serve/lruCache.ts';
import { createServingPool, type ServingPool, type WorkerMemory } from './serve/createServingPool.ts';
import { defaultCalibration, rankAnswers, type AnswerCalibration } from './serve/rankAnswers.ts';
import { createParallelTrainer } from './train/createParallelTrainer.ts';
import { createTrainer } from './train/createTrainer.ts';
import { silentLogger, type EngineLogger, type Tf } from './types.ts';

/** Where the shipped base checkpoint lives in the repository. */
export const defaultBaseCheckpointPath = fileURLToPath(new URL('./checkpoints/base.ckpt', import.meta.url));

export type EngineDeps = {
  /** The tfjs namespace used for fine-tuning in this thread (serving uses worker threads). */
  tf: Tf;
  /** Checkpoint storage (the platform's encrypted blob store). */
  store: CheckpointStore;
  logger?: EngineLogger | undefined;
  /** Base model bytes, or a loader; defaults to reading {@link defaultBaseCheckpointPath}. */
  baseCheckpoint?: Uint8Array | (() => Promise<Uint8Array>) | undefined;
  /** Backend candidates (default tfjs-node-gpu → tfjs-node → wasm → cpu). */
  backendCandidates?: BackendCandidate[] | undefined;
  /**
   * Serving threads and their bounds: `maxModels` models (with retrieval indexes) per worker and
   * `cacheBytes` of checkpoints and passages in this thread, least recently used evicted first.
   */
  serving?: { workers?: number; maxQueue?: number; maxBatch?: number; maxModels?: number; cacheBytes?: number } | undefined;
  /** How retrieval and model scores are combined and thresholded (default: calibrated on engine/eval/sets). */
  calibration?: AnswerCalibration | undefined;
  /**
   * How long a loaded assistant model is trusted before the store is checked for a newer fine-tune
   * (e.g. one finished by a job in another process). Default 30 s; `invalidate` forces it.
   */
  modelRefreshMs?: number | undefined;
  /** Fine-tuning threads: >1 trains data-parallel over worker threads (default: one per core). */
  training?: { workers?: number } | undefined;
};

export type ChatOptions = {
  /** Candidate passages retrieved and scored per question (default 8). */
  candidates?: number | undefined;
  /** Longest passage quoted from a dataset, in characters (default 240). */
  maxQuoteChars?: number | undefined;
  /**
   * Whether the fine-tuned model re-ranks the candidates and may vouch for an answer (default
   * true). False answers by retrieval alone: the evaluation's baseline.
   */
  useModel?: boolean | undefined;
  signal?: AbortSignal | undefined;
};

export type ChatReturnType = {
  /** The reply to show: the grounded answer with its source, or the persona's "I don't know". */
  text: string;
  /** Whether the answer rests on a passage of the assistant's data (false: it says it does not know). */
  grounded: boolean;
  /** The passages the answer quotes (empty when not grounded). */
  citations: Citation[];
  /**
   * For the best passage: retrieval's score (cosine + alignment, 0–2), the model's PMI per byte
   * (null when not asked), the confidence decided on and its threshold.
   */
  confidence: { retrieval: number; model: number | null; decided: number; threshold: number };
  /** Bytes the model scored for this answer. */
  usage: { scoredTokens: number };
  /** Which weights scored the answer: the assistant's fine-tune, the base model (not fine-tuned yet: retrieval alone), or none. */
  model: 'assistant' | 'base';
};

export type EngineFinetuneParameters = Omit<FinetuneParameters, 'store'>;

export type EngineStatus = {
  backend: SelectBackendReturnType;
  serving: ReturnType<ServingPool['status']> | null;
  /** Checkpoints and passages cached in this thread. */
  cache: { models: number; bytes: number; maxBytes: number };
  finetunesRunning: string[];
};

/** The transport-free engine used by the bots, the REST API and the `finetune` job. */
export type Engine = {
  chat(assistantId: string, messages: ChatMessage[], opts?: ChatOptions): Promise<ChatReturnType>;
  finetune(params: EngineFinetuneParameters): Promise<FinetuneReturnType>;
  status(): EngineStatus;
  /** What each serving worker holds (models, accounted bytes, tfjs tensor bytes). */
  servingMemory(): Promise<WorkerMemory[]>;
  /** Drops the cached model of an assistant so the next chat loads the latest fine-tune. */
  invalidate(assistantId: string): void;
  close(): Promise<void>;
};

const BASE_KEY = 'base';

/** Longest question an assistant takes (characters). */
export const MAX_QUESTION_CHARS = 1000;

/**
 * Creates the engine: selects the tfjs backend, and lazily starts the serving worker pool on the
 * first chat.
 *
 * @example
 * const engine = await createEngine({ tf, store })
 * await engine.finetune({ assistantId, datasets, onProgress: (p) => job.updateProgress(p), signal })
 * const reply = await engine.chat(assistantId, [{ role: 'user', content: 'How do refunds work?' }])
 */
export async function createEngine(deps: EngineDeps): Promise<Engine> {
  const logger = deps.logger ?? silentLogger;
  const backend = await selectBackend({ tf: deps.tf, logger }, deps.backendCandidates ? { candidates: deps.backendCandidates } : {});
  const running = new Set<string>();
  const versions = new Map<string, number>();
  const cacheBytes = deps.serving?.cacheBytes ?? 256 * 2 ** 20;
  const models = createLruCache<string, { bytes: Uint8Array; passages: Passage[]; config: ModelConfig; version: number; checkedAt: number }>({
    maxEntries: 64,
    maxBytes: cacheBytes,
  });
  // Rough size of passages in memory: UTF-16 text plus object overhead.
  const passagesSize = (ps: Passage[]) => ps.reduce((a, p) => a + 2 * (p.text.length + (p.answer?.length ?? 0) + (p.question?.length ?? 0)) + 200, 0);
  const refreshMs = deps.modelRefreshMs ?? 30_000;
  const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.from(a.subarray(-32)).equals(Buffer.from(b.subarray(-32)));
  let basePromise: Promise<Uint8Array> | null = null;
  let pool: ServingPool | null = null;

  const base = () => {
    basePromise ??= (async () => {
      const b = deps.baseCheckpoint;
      if (b instanceof Uint8Array) return b;
      if (typeof b === 'function') return b();
      return new Uint8Array(await readFile(defaultBaseCheckpointPath));
    })();
    return basePromise;
  };

  /** Loads (and caches) the weights that answer for an assistant: its fine-tune, else the base. */
  async function resolveModel(assistantId: string) {
    const key = assistantKeys(assistantId).model;
    const cached = models.get(key);
    if (cached && cached.version === (versions.get(key) ?? 0) && Date.now() - cached.checkedAt < refreshMs) return { key, ...cached };
    const bytes = await deps.store.load(key);
    if (cached && bytes && sameBytes(cached.bytes, bytes)) {
      // The checkpoint ends with its sha256: unchanged bytes, same model.
      cached.checkedAt = Date.now();
      return { key, ...cached };
    }
    if (cached) {
      versions.set(key, (versions.get(key) ?? 0) + 1);
      models.delete(key);
      pool?.invalidate(key);
    }
    const version = versions.get(key) ?? 0;
    if (bytes) {
      const ckpt = decodeCheckpoint(bytes, undefined);
      const pBytes = await deps.store.load(assistantKeys(assistantId).passages);
      const passages = pBytes ? (JSON.parse(new TextDecoder().decode(pBytes)) as Passage[]) : [];
      const entry = { bytes, passages, config: ckpt.config, version, checkedAt: Date.now() };
      models.set(key, entry, bytes.byteLength + passagesSize(passages));
      return { key, ...entry };
    }
    let b = models.get(BASE_KEY);
    if (!b) {
      const bytes2 = await base();
      b = { bytes: bytes2, passages: [], config: decodeCheckpoint(bytes2).config, version: 0, checkedAt: Date.now() };
      models.set(BASE_KEY, b, bytes2.byteLength);
    }
    return { key: BASE_KEY, ...b };
  }

  const reload = async (key: string) => {
    const id = /^assistants\/(.+)\/model$/.exec(key)?.[1];
    const r = await resolveModel(id ?? '');
    return r.key === key ? r : null;
  };

  const invalidate = (assistantId: string) => {
    const key = assistantKeys(assistantId).model;
    versions.set(key, (versions.get(key) ?? 0) + 1);
    models.delete(key);
    pool?.invalidate(key);
  };

  const getPool = () => {
    pool ??= createServingPool({
      size: deps.serving?.workers,
      maxQueue: deps.serving?.maxQueue,
      maxBatch: deps.serving?.maxBatch,
      maxModels: deps.serving?.maxModels,
      candidates: deps.backendCandidates,
      logger,
      loadModel: async (key) => {
        // Evicted from this thread's cache since the chat resolved it: read it again.
        const m = models.get(key) ?? (await reload(key));
        if (!m) throw new InvalidRequestError(`Model "${key}" is not loaded.`);
        return { bytes: m.bytes, passages: m.passages, version: m.version };
      },
    });
    return pool;
  };

  return {
    async chat(assistantId, messages, opts = {}) {
      if (!Array.isArray(messages) || !messages.some((m) => m.role === 'user' && m.content?.trim())) {
        throw new InvalidRequestError('A chat needs at least one non-empty user message.');
      }
      const candidates = opts.candidates ?? 8;
      if (!Number.isInteger(candidates) || candidates < 1 || candidates > 64) throw new InvalidRequestError('candidates must be an integer from 1 to 64.');
      const model = await resolveModel(assistantId);
      const query = [...messages].reverse().find((m) => m.role === 'user')!.content;
      if (query.length > MAX_QUESTION_CHARS) throw new InvalidRequestError(`A question is at most ${MAX_QUESTION_CHARS.toLocaleString('en')} characters; this one has ${query.length.toLocaleString('en')}.`);
      // The base model never saw the assistant's data: its scores say nothing about which answer fits.
      const useModel = (opts.useModel ?? true) && model.key !== BASE_KEY;
      const found = await getPool().answer({ key: model.key, version: model.version, query, candidates, useModel, signal: opts.signal });
      const ranked = rankAnswers(found.candidates, deps.calibration ?? defaultCalibration);
      const answer = composeAnswer(ranked, { persona: personaOf(messages), maxQuoteChars: opts.maxQuoteChars });
      return {
        text: answer.text,
        grounded: answer.grounded,
        citations: answer.citations,
        confidence: ranked.confidence,
        usage: { scoredTokens: found.scoredTokens },
        model: model.key === BASE_KEY ? 'base' : 'assistant',
      };
    },
    async finetune(params) {
      if (running.has(params.assistantId)) throw new InvalidRequestError(`A fine-tune for assistant "${params.assistantId}" is already running.`);
      running.add(params.assistantId);
      try {
        const workers = deps.training?.workers ?? availableParallelism();
        const result = await finetune(
          {
            tf: deps.tf,
            logger,
            baseCheckpoint: await base(),
            ...(workers > 1
              ? {
                  createTrainer: async (p) => {
                    try {
                      return await createParallelTrainer({ ...p, workers, candidates: deps.backendCandidates });
                    } catch (error) {
                      // Worker threads unavailable (sandbox, missing loader): train in this thread instead.
                      logger.warn({ err: (error as Error).message }, 'data-parallel training unavailable; training in one thread');
                      return createTrainer(deps.tf, p);
                    }
                  },
                }
              : {}),
          },
          { ...params, store: deps.store },
        );
        invalidate(params.assistantId);
        return result;
      } finally {
        running.delete(params.assistantId);
      }
    },
    status: () => ({ backend, serving: pool?.status() ?? null, cache: { models: models.size, bytes: models.bytes, maxBytes: cacheBytes }, finetunesRunning: [...running] }),
    servingMemory: () => pool?.memory() ?? Promise.resolve([]),
    invalidate,
    async close() {
      await pool?.close();
      pool = null;
    },
  };
}
