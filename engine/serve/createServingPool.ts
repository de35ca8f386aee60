import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AbortedError, ContextOverflowError, EngineBusyError, InvalidRequestError, WorkerCrashedError } from '../errors.ts';
import type { Passage } from '../finetune/parseDatasets.ts';
import type { EngineLogger } from '../types.ts';
import type { GenerationResult, SamplingOptions } from './generate.ts';
import type { AnswerRequest, FromWorker, ToWorker } from './protocol.ts';
import type { AnswerCandidate } from './rankAnswers.ts';

export type LoadedModel = { bytes: Uint8Array; passages: Passage[]; version: number };

export type ServingPoolParameters = {
  /** Worker threads (default: one per core). */
  size?: number | undefined;
  /** Requests in flight plus waiting before new ones are refused with EngineBusyError (default 64). */
  maxQueue?: number | undefined;
  /** Requests decoded together in one batch per worker (default 16). */
  maxBatch?: number | undefined;
  /** Models (with their retrieval indexes) each worker keeps loaded, least recently used evicted first (default 4). */
  maxModels?: number | undefined;
  /** Backend candidates for the workers (default: the full order). */
  candidates?: string[] | undefined;
  /** Fetches a model's checkpoint bytes and passages when a worker lacks them. */
  loadModel: (key: string) => Promise<LoadedModel>;
  logger?: EngineLogger | undefined;
};

export type PoolRequest = { key: string; version: number; prompt: Uint8Array; options: SamplingOptions; query: string | null; topPassages: number; signal?: AbortSignal | undefined };
export type PoolResult = { result: GenerationResult; hits: Array<{ passage: Passage; score: number }>; batchSize: number };
export type PoolAnswerRequest = AnswerRequest & { signal?: AbortSignal | undefined };
export type PoolAnswer = { candidates: AnswerCandidate[]; scoredTokens: number };
/** What each worker holds: models cached, their accounted bytes, and tfjs tensor bytes. */
export type WorkerMemory = { models: number; bytes: number; tensorBytes: number };

type Job =
  | { kind: 'generate'; req: PoolRequest; resolve: (r: PoolResult) => void; reject: (e: unknown) => void }
  | { kind: 'answer'; req: PoolAnswerRequest; resolve: (r: PoolAnswer) => void; reject: (e: unknown) => void };

export type ServingPool = {
  generate(req: PoolRequest): Promise<PoolResult>;
  /** Retrieves answer candidates for a question and, with `useModel`, scores them with the model. */
  answer(req: PoolAnswerRequest): Promise<PoolAnswer>;
  /** Each ready worker's cache and tensor memory (for status and the bounded-memory test). */
  memory(): Promise<WorkerMemory[]>;
  /** Forgets a cached model so the next request reloads it (after a new fine-tune). */
  invalidate(key: string): void;
  status(): { workers: number; ready: number; inFlight: number; queued: number; maxQueue: number; backend: string | null };
  /** Resolves when every worker has selected its backend. */
  ready(): Promise<void>;
  close(): Promise<void>;
};

type Slot = {
  worker: Worker;
  inflight: Map<number, Job>;
  probes: Map<number, (m: WorkerMemory) => void>;
  ready: Promise<void>;
  isReady: boolean;
};

// A plain-JS entry that registers tsx in the worker, so workers start under tsx, vitest or node alike.
const workerUrl = new URL('./workerEntry.mjs', import.meta.url);

/**
 * A pool of serving worker threads with a bounded request queue. Requests go to the least-busy
 * worker (at most `maxBatch` each); the rest wait in a queue of at most `maxQueue`, beyond which
 * `generate` rejects at once with {@link EngineBusyError} instead of growing memory.
 */
export function createServingPool(params: ServingPoolParameters): ServingPool {
  const size = Math.max(1, params.size ?? availableParallelism());
  const maxQueue = params.maxQueue ?? 64;
  const maxBatch = params.maxBatch ?? 16;
  const waiting: Job[] = [];
  const loading = new Map<string, Promise<LoadedModel>>();
  let nextId = 1;
  let closed = false;
  let backend: string | null = null;
  /** Workers that died before becoming ready, in a row; past 3 the pool stops respawning. */
  let failedStarts = 0;
  let lastError: string | null = null;
  let broken: Error | null = null;

  const spawn = (): Slot => {
    const worker = new Worker(workerUrl);
    const slot: Slot = { worker, inflight: new Map(), probes: new Map(), ready: Promise.resolve(), isReady: false };
    slot.ready = new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      const onReady = (m: FromWorker) => {
        if (m.type !== 'ready') return;
        worker.off('message', onReady);
        backend = m.backend;
        slot.isReady = true;
        resolve();
      };
      worker.on('message', onReady);
    });
    slot.ready.catch(() => {});
    worker.on('message', (m: FromWorker) => onMessage(slot, m));
    worker.on('error', (e) => {
      lastError = e.message;
      params.logger?.warn({ err: e.message }, 'serving worker failed');
    });
    worker.on('exit', (code) => {
      const crashed = new WorkerCrashedError('A serving worker stopped while answering; please retry.', { details: `exit code ${code}` });
      for (const p of slot.inflight.values()) p.reject(crashed);
      slot.inflight.clear();
      for (const probe of slot.probes.values()) probe({ models: 0, bytes: 0, tensorBytes: 0 });
      slot.probes.clear();
      failedStarts = slot.isReady ? 0 : failedStarts + 1;
      const i = slots.indexOf(slot);
      if (closed || i < 0) return;
      if (failedStarts >= 3) {
        broken = new WorkerCrashedError('Serving workers fail to start.', { details: lastError ?? `exit code ${code}` });
        for (const w of waiting.splice(0)) w.reject(broken);
        return;
      }
      slots[i] = spawn();
      pump();
    });
    worker.postMessage({ type: 'init', maxBatch, maxModels: params.maxModels, candidates: params.candidates } satisfies ToWorker);
    return slot;
  };

  const slots: Slot[] = Array.from({ length: size }, spawn);

  // Deduplicates loads in flight only: a settled load is dropped, so nothing here outlives a request.
  const load = (key: string) => {
    let p = loading.get(key);
    if (!p) {
      p = params.loadModel(key);
      loading.set(key, p);
      const settled = p;
      const forget = () => {
        if (loading.get(key) === settled) loading.delete(key);
      };
      p.then(forget, forget);
    }
    return p;
  };

  function onMessage(slot: Slot, m: FromWorker) {
    if (m.type === 'ready') return;
    if (m.type === 'memory') {
      slot.probes.get(m.id)?.({ models: m.models, bytes: m.bytes, tensorBytes: m.tensorBytes });
      slot.probes.delete(m.id);
      return;
    }
    const entry = slot.inflight.get(m.id);
    if (!entry) return;
    if (m.type === 'need') {
      load(m.key)
        .then((model) => {
          entry.req = { ...entry.req, version: model.version };
          slot.worker.postMessage({ type: 'model', key: m.key, version: model.version, bytes: model.bytes, passages: model.passages } satisfies ToWorker);
          post(slot, m.id, entry);
        })
        .catch((e) => {
          slot.inflight.delete(m.id);
          entry.reject(e);
          pump();
        });
      return;
    }
    slot.inflight.delete(m.id);
    if (m.type === 'result' && entry.kind === 'generate') entry.resolve({ result: m.result, hits: m.hits, batchSize: m.batchSize });
    else if (m.type === 'answer' && entry.kind === 'answer') entry.resolve({ candidates: m.candidates, scoredTokens: m.scoredTokens });
    else if (m.type !== 'error') entry.reject(new InvalidRequestError(`A serving worker answered "${m.type}" to a ${entry.kind} request.`));
    else entry.reject(m.name === 'ContextOverflowError' ? new ContextOverflowError({ tokens: 0, limit: 0 }) : new InvalidRequestError(`Generation failed: ${m.message}`, { details: m.name }));
    pump();
  }

  function post(slot: Slot, id: number, job: Job) {
    if (job.kind === 'generate') {
      const { signal: _s, ...wire } = job.req;
      slot.worker.postMessage({ type: 'generate', id, ...wire } satisfies ToWorker);
    } else {
      const { signal: _s, ...wire } = job.req;
      slot.worker.postMessage({ type: 'answer', id, ...wire } satisfies ToWorker);
    }
  }

  function pump() {
    while (waiting.length) {
      const slot = slots.filter((s) => s.isReady && s.inflight.size < maxBatch).sort((a, b) => a.inflight.size - b.inflight.size)[0];
      if (!slot) return;
      const job = waiting.shift()!;
      if (job.req.signal?.aborted) {
        job.reject(new AbortedError({ cause: job.req.signal.reason }));
        continue;
      }
      const id = nextId++;
      slot.inflight.set(id, job);
      post(slot, id, job);
    }
  }

  const inFlight = () => slots.reduce((a, s) => a + s.inflight.size, 0);

  function enqueue<R>(make: (resolve: (r: R) => void, reject: (e: unknown) => void) => Job, signal: AbortSignal | undefined): Promise<R> {
    if (closed) return Promise.reject(new WorkerCrashedError('The serving pool is closed.'));
    if (broken) return Promise.reject(broken);
    const queued = inFlight() + waiting.length;
    if (queued >= maxQueue) return Promise.reject(new EngineBusyError({ queued, limit: maxQueue }));
    if (signal?.aborted) return Promise.reject(new AbortedError({ cause: signal.reason }));
    return new Promise<R>((resolve, reject) => {
      const job = make(resolve, reject);
      waiting.push(job);
      // A request still waiting for a worker can be withdrawn; one being served finishes.
      signal?.addEventListener(
        'abort',
        () => {
          const i = waiting.indexOf(job);
          if (i >= 0) {
            waiting.splice(i, 1);
            reject(new AbortedError({ cause: signal.reason }));
          }
        },
        { once: true },
      );
      for (const s of slots) if (!s.isReady) s.ready.then(pump, () => {});
      pump();
    });
  }

  return {
    generate(req) {
      return enqueue<PoolResult>((resolve, reject) => ({ kind: 'generate', req, resolve, reject }), req.signal);
    },
    answer(req) {
      return enqueue<PoolAnswer>((resolve, reject) => ({ kind: 'answer', req, resolve, reject }), req.signal);
    },
    async memory() {
      return Promise.all(
        slots
          .filter((s) => s.isReady)
          .map(
            (slot) =>
              new Promise<WorkerMemory>((resolve) => {
                const id = nextId++;
                slot.probes.set(id, resolve);
                slot.worker.postMessage({ type: 'memory', id } satisfies ToWorker);
              }),
          ),
      );
    },
    invalidate(key) {
      loading.delete(key);
    },
    status: () => ({ workers: slots.length, ready: slots.filter((s) => s.isReady).length, inFlight: inFlight(), queued: waiting.length, maxQueue, backend }),
    async ready() {
      await Promise.all(slots.map((s) => s.ready));
    },
    async close() {
      closed = true;
      for (const w of waiting.splice(0)) w.reject(new WorkerCrashedError('The serving pool is closed.'));
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
