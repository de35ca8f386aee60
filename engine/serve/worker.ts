/**
 * Serving worker thread: one tfjs instance per thread (so each core runs its own wasm module),
 * holding a few models with their retrieval indexes. Requests that arrive while a batch runs are
 * queued and decoded together in the next batch.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendCandidate } from '../backend/selectBackend.ts';
import { decodeCheckpoint } from '../checkpoint/format.ts';
import { createDecoder, type Decoder } from '../model/decoder.ts';
import { createBm25Index, type Bm25Index } from '../retrieval/bm25Index.ts';
import { createByteTokenizer } from '../tokenizer/byteTokenizer.ts';
import { generateBatch } from './generate.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

const port = parentPort;
if (!port) throw new Error('serve/worker.ts must run in a worker thread');

const tokenizer = createByteTokenizer();
const models = new Map<string, { version: number; decoder: Decoder; index: Bm25Index }>();
const maxModels = 4;
let maxBatch = 16;
let queue: Array<Extract<ToWorker, { type: 'generate' }>> = [];
let scheduled = false;
let ready: Promise<void> = Promise.resolve();

const send = (m: FromWorker) => port.postMessage(m);

function flush() {
  scheduled = false;
  const pending = queue;
  queue = [];
  const groups = new Map<string, typeof pending>();
  for (const req of pending) {
    const m = models.get(req.key);
    if (!m || m.version !== req.version) {
      send({ type: 'need', id: req.id, key: req.key });
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
        const hits = batch.map((r) => (r.query ? m.index.search(r.query, r.topPassages) : []));
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
    ready = selectBackend({ tf }, msg.candidates ? { candidates: msg.candidates as BackendCandidate[] } : {}).then((b) => {
      send({ type: 'ready', backend: b.name, skipped: b.skipped });
    });
    return;
  }
  if (msg.type === 'model') {
    ready = ready.then(() => {
      const old = models.get(msg.key);
      if (old) {
        old.decoder.dispose();
        old.index.dispose();
        models.delete(msg.key);
      }
      const ckpt = decodeCheckpoint(msg.bytes);
      models.set(msg.key, { version: msg.version, decoder: createDecoder(tf, ckpt.config, ckpt.weights), index: createBm25Index(tf, msg.passages) });
      while (models.size > maxModels) {
        const [k, m] = models.entries().next().value as [string, { decoder: Decoder; index: Bm25Index }];
        m.decoder.dispose();
        m.index.dispose();
        models.delete(k);
      }
    });
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
