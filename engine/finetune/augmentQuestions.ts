/**
 * Synthetic question paraphrases from the word vectors, for fine-tuning experiments. NOT used by
 * `finetune`: fine-tuning on them was measured (issue 11's closing note: 100–600 steps, six
 * setups) and did not raise the model's ranking of the right answer to paraphrased questions above
 * retrieval's; kept, tested, for the next attempt.
 */
import { mulberry32 } from '../model/config.ts';
import { defaultStopWords, wordIndex, type WordVectors } from '../retrieval/wordVectors.ts';

/** A question–answer record to make paraphrases of. */
export type QaRow = { question: string; answer: string };

export type AugmentOptions = {
  /** Synthetic paraphrases per row (default 8). */
  perRow?: number;
  /** PRNG seed: the same rows, table and seed give the same documents (default 1). */
  seed?: number;
  /** Chance that a content word is replaced by one of its nearest neighbours (default 0.5). */
  replaceProbability?: number;
  /** Chance that a stop word is dropped (default 0.15). */
  dropProbability?: number;
  /** Chance that two adjacent words swap places (default 0.2). */
  swapProbability?: number;
  /** Share of paraphrases built from words of the answer instead of the question (default 0.25). */
  answerWordShare?: number;
  /** Nearest neighbours a replacement is drawn from (default 6). */
  neighbours?: number;
  /** Least cosine of a neighbour to count (default 0.45). */
  minCosine?: number;
  /** Only the table's most frequent words are candidate replacements (default 30,000). */
  vocabulary?: number;
};

const defaults: Required<Omit<AugmentOptions, 'seed'>> = {
  perRow: 8,
  replaceProbability: 0.5,
  dropProbability: 0.15,
  swapProbability: 0.2,
  answerWordShare: 0.25,
  neighbours: 6,
  minCosine: 0.45,
  vocabulary: 30_000,
};

const openers = ['', 'what about', 'how does', 'can i', 'is there', 'tell me about', 'do you have', 'question about'];
// Words (with inner hyphens or an apostrophe suffix kept: "tune-up", "shop's") or runs of punctuation.
const tokenPattern = /[\p{L}\p{N}]+(?:[-'’][\p{L}\p{N}]+)*|[^\p{L}\p{N}\s]+/gu;
const isWord = (t: string) => /^[\p{L}\p{N}]/u.test(t);
// Words that carry the form of a question ("how long", "how much") rather than its topic.
const keepWords = new Set(['long', 'much', 'many', 'often', 'soon', 'far', 'old']);
const isStop = (w: string) => defaultStopWords.has(w.toLowerCase()) || keepWords.has(w.toLowerCase()) || w.length < 2;
const replaceable = (t: string) => /^[\p{L}]+$/u.test(t) && !isStop(t);

/**
 * Nearest neighbours of words in the word-vector table, restricted to plain lower-case words among
 * the `vocabulary` most frequent, minus the word's own inflections (shared 5-letter prefix, or one
 * a prefix of the other) and stop words. Cached per instance.
 */
function createNeighbourFinder(vectors: WordVectors, o: Required<Omit<AugmentOptions, 'seed'>>) {
  const { dims, values, norms, words } = vectors;
  const limit = Math.min(o.vocabulary, vectors.size);
  const cache = new Map<string, string[]>();
  const related = (a: string, b: string) => a.startsWith(b) || b.startsWith(a) || (a.length >= 5 && b.length >= 5 && a.slice(0, 5) === b.slice(0, 5));
  return (word: string): string[] => {
    const w = word.toLowerCase();
    const hit = cache.get(w);
    if (hit) return hit;
    const i = wordIndex(vectors, w);
    const best: Array<{ word: string; cos: number }> = [];
    if (i >= 0 && norms[i]! > 0) {
      for (let j = 0; j < limit; j++) {
        if (j === i || !(norms[j]! > 0)) continue;
        let dot = 0;
        for (let d = 0; d < dims; d++) dot += values[i * dims + d]! * values[j * dims + d]!;
        const cos = dot / (norms[i]! * norms[j]!);
        if (cos < o.minCosine || (best.length === o.neighbours && cos <= best.at(-1)!.cos)) continue;
        const candidate = words[j]!;
        if (!/^[a-z]+$/.test(candidate) || isStop(candidate) || related(w, candidate)) continue;
        best.push({ word: candidate, cos });
        best.sort((a, b) => b.cos - a.cos);
        if (best.length > o.neighbours) best.pop();
      }
    }
    const out = best.map((b) => b.word);
    cache.set(w, out);
    return out;
  };
}

/**
 * Synthetic paraphrases of Q&A questions for fine-tuning, so that a byte-level model learns which
 * answer goes with which *meaning* rather than with the exact words of the uploaded question.
 * Each row gets `perRow` variants, each a separate document `"Q: <variant>\nA: <answer>\n"` (the
 * format of {@link parseDatasets}' documents): content words replaced by nearest neighbours in the
 * word-vector table, stop words dropped, adjacent words swapped, and a share of variants built
 * from the answer's own content words after a short question opener. Duplicates of the original
 * question or of another variant are skipped, so a row may get fewer than `perRow`.
 *
 * Pure and deterministic: reads nothing but its arguments.
 */
export function augmentQuestions(vectors: WordVectors, rows: readonly QaRow[], options: AugmentOptions = {}): string[] {
  const o = { ...defaults, ...options };
  const rand = mulberry32(options.seed ?? 1);
  const neighbours = createNeighbourFinder(vectors, o);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const substitute = (token: string): string => {
    if (!replaceable(token) || rand() >= o.replaceProbability) return token;
    const options = neighbours(token);
    if (options.length === 0) return token;
    // Closer neighbours more often: index ~ floor(k · u²).
    const choice = options[Math.floor(options.length * rand() * rand())]!;
    return /^\p{Lu}/u.test(token) ? choice[0]!.toUpperCase() + choice.slice(1) : choice;
  };
  const out: string[] = [];
  for (const row of rows) {
    const question = row.question.replace(/\s+/g, ' ').trim();
    const answer = row.answer.replace(/\s+/g, ' ').trim();
    if (!question || !answer) continue;
    const questionTokens = question.match(tokenPattern) ?? [];
    const answerContent = [...new Set((answer.match(tokenPattern) ?? []).filter((t) => isWord(t) && !isStop(t)).map((t) => t.toLowerCase()))];
    const seen = new Set([question.toLowerCase()]);
    for (let k = 0; k < o.perRow; k++) {
      let tokens: string[];
      if (answerContent.length >= 2 && rand() < o.answerWordShare) {
        const chosen = new Set<string>();
        const want = 2 + Math.floor(rand() * 2);
        for (let tries = 0; chosen.size < Math.min(want, answerContent.length) && tries < 20; tries++) chosen.add(pick(answerContent));
        // Keep the answer's word order, as a person echoing it would.
        const opener = pick(openers);
        tokens = [...(opener ? opener.split(' ') : []), ...answerContent.filter((w) => chosen.has(w)), '?'];
      } else {
        tokens = questionTokens.filter((t) => !(isWord(t) && isStop(t) && rand() < o.dropProbability));
      }
      tokens = tokens.map(substitute);
      const wordAt = tokens.flatMap((t, i) => (isWord(t) ? [i] : []));
      if (wordAt.length >= 2 && rand() < o.swapProbability) {
        const a = Math.floor(rand() * (wordAt.length - 1));
        const [i, j] = [wordAt[a]!, wordAt[a + 1]!];
        [tokens[i], tokens[j]] = [tokens[j]!, tokens[i]!];
      }
      let text = tokens.join(' ').replace(/ ([^\p{L}\p{N}\s]+)/gu, '$1').trim();
      if (!text) continue;
      text = text[0]!.toUpperCase() + text.slice(1);
      if (seen.has(text.toLowerCase())) continue;
      seen.add(text.toLowerCase());
      out.push(`Q: ${text}\nA: ${answer}\n`);
    }
  }
  return out;
}

/**
 * Deterministic shuffle (Fisher–Yates, seeded) of documents, so that a row's paraphrases do not sit
 * next to each other in the training stream, where the model could copy the answer from the
 * previous document in its context instead of learning it from the question.
 */
export function shuffleDocuments(documents: readonly string[], seed = 1): string[] {
  const out = [...documents];
  const rand = mulberry32(seed * 2654435761);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * `copies` differently shuffled copies of the documents, one after another: the training stream is
 * a fixed byte sequence whose windows always show a document next to the same neighbours, so a
 * small model can memorise each answer from the document before it instead of from its question.
 * With a new order per copy, the question is the only cue that holds.
 */
export function shuffledCopies(documents: readonly string[], copies: number, seed = 1): string[] {
  const out: string[] = [];
  for (let c = 0; c < copies; c++) out.push(...shuffleDocuments(documents, seed + c * 7919));
  return out;
}
