/**
 * Serving worker thread: one tfjs instance per thread (so each core runs its own wasm module),
 * holding the most recently used models with their retrieval indexes in an LRU bounded by count
 * and bytes. Requests that arrive while a batch runs are queued and served together next.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendCandidate } from '../backend/selectBackend.ts';
import { decodeCheckpoint } from '../checkpoint/format.ts';
import { InvalidRequestError } from '../errors.ts';
import type { ModelConfig } from '../model/config.ts';
import { createDecoder, type Decoder } from '../model/decoder.ts';
import { createRetriever, type Retriever } from '../retrieval/createRetriever.ts';
import { sharedWordVectors } from '../retrieval/wordVectors.ts';
import { createByteTokenizer } from '../tokenizer/byteTokenizer.ts';
import { createAnswerScorer, type AnswerScorer } from './answerScorer.ts';
import { generateBatch } from './generate.ts';
import { createLruCache } from './lruCache.ts';
import type { FromWorker, ToWorker } from './protocol.ts';
import { answerTextOf, type AnswerCandidate } from './rankAnswers.ts';

const port = parentPort;
if (!port) throw new InvalidRequestError('serve/worker.ts must run in a worker thread');

type Loaded = {
  version: number;
  config: ModelConfig;
  weights: Float32Array;
  index: Retriever;
  /** Built on first use: answer requests need only the scorer, generation only the decoder. */
  decoder: Decoder | null;
  scorer: AnswerScorer | null;
};

const tokenizer = createByteTokenizer();
const freeModel = (m: Loaded) => {
  m.decoder?.dispose();
  m.scorer?.dispose();
  m.index.dispose();
};
let models = createLruCache<string, Loaded>({ maxEntries: 4, maxBytes: 512 * 2 ** 20, onEvict: (_k, m) => freeModel(m) });
let maxBatch = 16;
let queue: Array<Extract<ToWorker, { type: 'generate' | 'answer' }>> = [];
let scheduled = false;
let ready: Promise<void> = Promise.resolve();

const send = (m: FromWorker) => port.postMessage(m);

function serveAnswer(m: Loaded, req: Extract<ToWorker, { type: 'answer' }>): Extract<FromWorker, { type: 'answer' }> {
  const candidates: AnswerCandidate[] = m.index.candidates(req.query, req.candidates).map((c) => ({ ...c, model: null }));
  let scoredTokens = 0;
  if (req.useModel && candidates.length > 0) {
    m.scorer ??= createAnswerScorer(tf, m.config, m.weights, tokenizer);
    const scores = m.scorer.score(req.query, candidates.map((c) => answerTextOf(c.passage)));
    scores.forEach((s, i) => {
      candidates[i]!.model = s;
      scoredTokens += s.tokens;
    });
  }
  return { type: 'answer', id: req.id, candidates, scoredTokens };
}

function flush() {
  scheduled = false;
  const pending = queue;
  queue = [];
  const groups = new Map<string, Array<Extract<ToWorker, { type: 'generate' }>>>();
  for (const req of pending) {
    const m = models.get(req.key);
    if (!m || m.version !== req.version) {
      send({ type: 'need', id: req.id, key: req.key });
      continue;
    }
    if (req.type === 'answer') {
      try {
        send(serveAnswer(m, req));
      } catch (error) {
        const e = error as Error;
        send({ type: 'error', id: req.id, name: e?.name ?? 'Error', message: e?.message ?? String(error) });
      }
      continue;
    }
    const g = groups.get(req.key) ?? [];
    g.push(req);
    groups.set(req.key, g);
  }
  for (const [key, reqs] of groups) {
    const m = models.get(key)!;
    for (let i = 0; i < reqs.length; i += maxBatch) {
      const batch = reqs.slice(i, i + maxBatch);
      try {
        m.decoder ??= createDecoder(tf, m.config, m.weights);
        const hits = batch.map((r) => (r.query ? m.index.candidates(r.query, r.topPassages).map((c) => ({ passage: c.passage, score: c.bm25 })) : []));
        const results = generateBatch(m.decoder, tokenizer, batch.map((r) => ({ prompt: r.prompt, options: r.options })));
        batch.forEach((r, j) => send({ type: 'result', id: r.id, result: results[j]!, hits: hits[j]!, batchSize: batch.length }));
      } catch (error) {
        const e = error as Error;
        batch.forEach((r) => send({ type: 'error', id: r.id, name: e?.name ?? 'Error', message: e?.message ?? String(error) }));
      }
    }
  }
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'init') {
    maxBatch = msg.maxBatch;
    if (msg.maxModels) models = createLruCache<string, Loaded>({ maxEntries: msg.maxModels, maxBytes: 512 * 2 ** 20, onEvict: (_k, m) => freeModel(m) });
    ready = selectBackend({ tf }, msg.candidates ? { candidates: msg.candidates as BackendCandidate[] } : {}).then((b) => {
      send({ type: 'ready', backend: b.name, skipped: b.skipped });
    });
    return;
  }
  if (msg.type === 'model') {
    ready = ready.then(() => {
      const ckpt = decodeCheckpoint(msg.bytes);
      const index = createRetriever(msg.passages, msg.passages.length ? sharedWordVectors() : null);
      // Weights are held twice at most (scorer and decoder views), plus the index.
      const size = ckpt.weights.byteLength * 3 + index.bytes + msg.bytes.byteLength;
      models.set(msg.key, { version: msg.version, config: ckpt.config, weights: ckpt.weights, index, decoder: null, scorer: null }, size);
    });
    return;
  }
  if (msg.type === 'memory') {
    ready = ready.then(() => send({ type: 'memory', id: msg.id, models: models.size, bytes: models.bytes, tensorBytes: tf.memory().numBytes }));
    return;
  }
  queue.push(msg);
  if (!scheduled) {
    scheduled = true;
    // Let every message already posted arrive first, so they join this batch.
    ready = ready.then(() => new Promise<void>((r) => setImmediate(() => {
      flush();
      r();
    })));
  }
});
