import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { selectBackend, type BackendCandidate, type SelectBackendReturnType } from './backend/selectBackend.ts';
import { decodeCheckpoint } from './checkpoint/format.ts';
import type { CheckpointStore } from './checkpoint/store.ts';
import { ContextOverflowError, InvalidRequestError } from './errors.ts';
import { assistantKeys, finetune, type FinetuneParameters, type FinetuneReturnType } from './finetune/finetune.ts';
import type { Passage } from './finetune/parseDatasets.ts';
import type { ModelConfig } from './model/config.ts';
import { composeAnswer, formatPrompt, type ChatMessage, type Citation } from './serve/composeAnswer.ts';
import { createServingPool, type ServingPool } from './serve/createServingPool.ts';
import type { GenerationResult, SamplingOptions } from './serve/generate.ts';
import { createByteTokenizer } from './tokenizer/byteTokenizer.ts';
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
  serving?: { workers?: number; maxQueue?: number; maxBatch?: number } | undefined;
  /**
   * How long a loaded assistant model is trusted before the store is checked for a newer fine-tune
   * (e.g. one finished by a job in another process). Default 30 s; `invalidate` forces it.
   */
  modelRefreshMs?: number | undefined;
  /** Fine-tuning threads: >1 trains data-parallel over worker threads (default: one per core). */
  training?: { workers?: number } | undefined;
};

export type ChatOptions = SamplingOptions & {
  /** Passages to retrieve and cite (default 3). */
  topPassages?: number | undefined;
  /** Longest passage quoted from a dataset, in characters (default 240). */
  maxQuoteChars?: number | undefined;
  signal?: AbortSignal | undefined;
};

export type ChatReturnType = {
  /** The reply to show: grounded answer, model text, sources. */
  text: string;
  /** The language model's raw continuation. */
  completion: string;
  citations: Citation[];
  finishReason: GenerationResult['finishReason'];
  usage: { promptTokens: number; completionTokens: number };
  /** Which weights answered: the assistant's fine-tune or the base model (not fine-tuned yet). */
  model: 'assistant' | 'base';
  /** How many requests were decoded together with this one. */
  batchSize: number;
};

export type EngineFinetuneParameters = Omit<FinetuneParameters, 'store'>;

export type EngineStatus = {
  backend: SelectBackendReturnType;
  serving: ReturnType<ServingPool['status']> | null;
  finetunesRunning: string[];
};

/** The transport-free engine used by the bots, the REST API and the `finetune` job. */
export type Engine = {
  chat(assistantId: string, messages: ChatMessage[], opts?: ChatOptions): Promise<ChatReturnType>;
  finetune(params: EngineFinetuneParameters): Promise<FinetuneReturnType>;
  status(): EngineStatus;
  /** Drops the cached model of an assistant so the next chat loads the latest fine-tune. */
  invalidate(assistantId: string): void;
  close(): Promise<void>;
};

const BASE_KEY = 'base';

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
  const tokenizer = createByteTokenizer();
  const running = new Set<string>();
  const versions = new Map<string, number>();
  const models = new Map<string, { bytes: Uint8Array; passages: Passage[]; config: ModelConfig; version: number; checkedAt: number }>();
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
      models.set(key, entry);
      trim();
      return { key, ...entry };
    }
    let b = models.get(BASE_KEY);
    if (!b) {
      const bytes2 = await base();
      b = { bytes: bytes2, passages: [], config: decodeCheckpoint(bytes2).config, version: 0, checkedAt: Date.now() };
      models.set(BASE_KEY, b);
    }
    return { key: BASE_KEY, ...b };
  }
  const trim = () => {
    while (models.size > 32) models.delete(models.keys().next().value as string);
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
      candidates: deps.backendCandidates,
      logger,
      loadModel: async (key) => {
        const m = models.get(key);
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
      const maxTokens = opts.maxTokens ?? 128;
      if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new InvalidRequestError('maxTokens must be a positive integer.');
      if (opts.temperature !== undefined && !(opts.temperature >= 0)) throw new InvalidRequestError('temperature must be ≥ 0.');
      if (opts.topK !== undefined && !(Number.isInteger(opts.topK) && opts.topK >= 0)) throw new InvalidRequestError('topK must be a non-negative integer.');
      const model = await resolveModel(assistantId);
      const C = model.config.contextLength;
      const turns = formatPrompt(messages);
      const last = tokenizer.encode(turns[turns.length - 1] ?? '');
      if (last.length > C - 1) throw new ContextOverflowError({ tokens: last.length, limit: C - 1 });
      // Older turns are included while they fit, leaving room for at least a short answer.
      const budget = Math.max(last.length, C - Math.min(maxTokens, Math.floor(C / 4)));
      let prompt = turns[turns.length - 1]!;
      for (let i = turns.length - 2; i >= 0; i--) {
        const candidate = turns[i]! + prompt;
        if (tokenizer.encode(candidate).length > budget) break;
        prompt = candidate;
      }
      const promptTokens = tokenizer.encode(prompt);
      const query = [...messages].reverse().find((m) => m.role === 'user')!.content;
      const { result, hits, batchSize } = await getPool().generate({
        key: model.key,
        version: model.version,
        prompt: promptTokens,
        options: { temperature: opts.temperature, topK: opts.topK, maxTokens, seed: opts.seed, stop: ['\nQ:', '\nA:', ...(opts.stop ?? [])] },
        query,
        topPassages: opts.topPassages ?? 3,
        signal: opts.signal,
      });
      const answer = composeAnswer(
        result.text,
        hits.map((h) => ({ passage: h.passage, score: h.score })),
        { maxQuoteChars: opts.maxQuoteChars },
      );
      return {
        text: answer.text,
        completion: result.text,
        citations: answer.citations,
        finishReason: result.finishReason,
        usage: { promptTokens: promptTokens.length, completionTokens: result.tokens },
        model: model.key === BASE_KEY ? 'base' : 'assistant',
        batchSize,
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
    status: () => ({ backend, serving: pool?.status() ?? null, finetunesRunning: [...running] }),
    invalidate,
    async close() {
      await pool?.close();
      pool = null;
    },
  };
}
