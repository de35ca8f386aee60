import { ContextOverflowError } from '../errors.ts';
import { mulberry32 } from '../model/config.ts';
import type { Decoder, KvCache } from '../model/decoder.ts';
import type { ByteTokenizer } from '../tokenizer/byteTokenizer.ts';

/** Sampling options of one request. */
export type SamplingOptions = {
  /** 0 = greedy. Default 0.8. */
  temperature?: number | undefined;
  /** Sample among the k most likely tokens (0 = all). Default 40. */
  topK?: number | undefined;
  /** Maximum new tokens. Default 128. */
  maxTokens?: number | undefined;
  /** Generation stops before the first occurrence of any of these strings. */
  stop?: string[] | undefined;
  /** Seed for reproducible sampling. */
  seed?: number | undefined;
  /** Keep going past the end-of-text token (benchmarks). */
  ignoreEnd?: boolean | undefined;
};

export type GenerationRequest = { prompt: Uint8Array; options: SamplingOptions };
export type GenerationResult = { text: string; tokens: number; finishReason: 'stop' | 'length' | 'end' };

/** Picks the next token from logits with temperature and top-k. */
export function sampleToken(logits: Float32Array, offset: number, V: number, temperature: number, topK: number, rand: () => number): number {
  if (temperature <= 0) {
    let best = 0;
    let bv = -Infinity;
    for (let i = 0; i < V; i++) {
      const v = logits[offset + i]!;
      if (v > bv) {
        bv = v;
        best = i;
      }
    }
    return best;
  }
  // Top-k without sorting the vocabulary: find the k-th largest logit, keep those ≥ it.
  const k = topK > 0 ? Math.min(topK, V) : V;
  const row = logits.subarray(offset, offset + V);
  let threshold = -Infinity;
  if (k < V) {
    const scratch = Float32Array.from(row);
    threshold = kthLargest(scratch, k);
  }
  let max = -Infinity;
  for (let i = 0; i < V; i++) if (row[i]! > max) max = row[i]!;
  let total = 0;
  const probs = new Float32Array(V);
  for (let i = 0; i < V; i++) {
    if (row[i]! >= threshold) {
      probs[i] = Math.exp((row[i]! - max) / temperature);
      total += probs[i]!;
    }
  }
  let r = rand() * total;
  let last = 0;
  for (let i = 0; i < V; i++) {
    if (probs[i]! > 0) {
      last = i;
      r -= probs[i]!;
      if (r <= 0) return i;
    }
  }
  return last;
}

/** k-th largest value (1-based) by quickselect; reorders `a`. */
function kthLargest(a: Float32Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! > pivot) i++;
      while (a[j]! < pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target]!;
  }
  return a[target]!;
}

/**
 * Generates continuations for several prompts at once: each prompt is prefilled, the caches are
 * joined into one batch, and every step decodes one token for all unfinished rows. Rows that hit
 * a stop sequence, the end token, their token budget or the context limit leave the batch.
 */
export function generateBatch(decoder: Decoder, tokenizer: ByteTokenizer, requests: GenerationRequest[]): GenerationResult[] {
  const { vocabSize: V, contextLength: C } = decoder.config;
  for (const r of requests) {
    if (r.prompt.length === 0 || r.prompt.length > C) throw new ContextOverflowError({ tokens: r.prompt.length, limit: C });
  }
  const rows = requests.map((r, i) => ({
    i,
    out: [] as number[],
    pos: r.prompt.length,
    temperature: r.options.temperature ?? 0.8,
    topK: r.options.topK ?? 40,
    max: r.options.maxTokens ?? 128,
    stop: (r.options.stop ?? []).filter((s) => s.length > 0),
    ignoreEnd: r.options.ignoreEnd ?? false,
    rand: mulberry32((r.options.seed ?? 1234) + i),
    finish: null as GenerationResult['finishReason'] | null,
    cut: -1,
  }));
  const results: GenerationResult[] = new Array(requests.length);
  // Prompts of equal length are prefilled together; rows are then ordered group by group.
  const groups = new Map<number, number[]>();
  requests.forEach((r, i) => groups.set(r.prompt.length, [...(groups.get(r.prompt.length) ?? []), i]));
  const order = [...groups.values()].flat();
  const prefills = [...groups.values()].map((idx) => decoder.prefillBatch(idx.map((i) => requests[i]!.prompt)));
  const firstLogits = new Float32Array(order.length * V);
  let o = 0;
  for (const pf of prefills) {
    firstLogits.set(pf.logits, o * V);
    o += pf.logits.length / V;
  }
  let active = order.map((i) => rows[i]!);
  let next: number[] = active.map((row, j) => sampleToken(firstLogits, j * V, V, row.temperature, row.topK, row.rand));
  let cache: KvCache | null = decoder.join(prefills.map((p) => p.cache));

  const accept = (row: (typeof rows)[number], tok: number) => {
    if (tok === tokenizer.endToken && !row.ignoreEnd) return (row.finish = 'end');
    row.out.push(tok);
    if (row.stop.length) {
      const tail = tokenizer.decode(row.out.slice(-64 - Math.max(...row.stop.map((s) => s.length))));
      const full = tokenizer.decode(row.out);
      for (const s of row.stop) {
        if (tail.includes(s)) {
          row.cut = full.indexOf(s);
          return (row.finish = 'stop');
        }
      }
    }
    if (row.out.length >= row.max || row.pos + 1 >= C) return (row.finish = 'length');
    return null;
  };

  try {
    while (active.length) {
      active.forEach((row, j) => accept(row, next[j]!));
      const keep = active.map((row, j) => (row.finish ? -1 : j)).filter((j) => j >= 0);
      for (const row of active) {
        if (row.finish && !results[row.i]) {
          const text = tokenizer.decode(row.out);
          results[row.i] = { text: row.cut >= 0 ? text.slice(0, row.cut) : text, tokens: row.out.length, finishReason: row.finish };
        }
      }
      if (keep.length === 0) break;
      if (keep.length < active.length) {
        const toks = keep.map((j) => next[j]!);
        active = keep.map((j) => active[j]!);
        cache = decoder.select(cache!, keep);
        next = toks;
      }
      const positions = active.map((r) => r.pos);
      const stepped = decoder.step(cache!, next, positions);
      cache = stepped.cache;
      active.forEach((r) => r.pos++);
      next = active.map((row, j) => sampleToken(stepped.logits, j * V, V, row.temperature, row.topK, row.rand));
    }
  } finally {
    if (cache) decoder.disposeCache(cache);
  }
  return results;
}
