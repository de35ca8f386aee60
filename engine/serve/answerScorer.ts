import type { ModelConfig } from '../model/config.ts';
import { sequenceLogProbs } from '../model/sequenceLogProbs.ts';
import { createLruCache } from './lruCache.ts';
import { createTransformer, type Params } from '../model/transformer.ts';
import type { ByteTokenizer } from '../tokenizer/byteTokenizer.ts';
import type { Tf } from '../types.ts';

/** How the language model rates one candidate answer to a question. */
export type AnswerScore = {
  /** Σ log p(answer bytes | "Q: question\nA: "), natural log. */
  conditional: number;
  /** Σ log p(answer bytes | "Q: \nA: "): how likely the answer is with no question at all. */
  prior: number;
  /** Answer bytes scored (the first `maxAnswerBytes`). */
  tokens: number;
};

export type AnswerScorer = {
  /**
   * Scores each candidate answer as a continuation of the question, in the format the model was
   * fine-tuned on. The difference `conditional − prior` (pointwise mutual information) says how
   * much the question raises the answer's likelihood: what the fine-tune learned about which
   * answer goes with which question, beyond answers that are merely common.
   */
  score(question: string, answers: string[]): AnswerScore[];
  dispose(): void;
};

/** Answers whose prior (likelihood with no question) a scorer keeps. */
const PRIOR_CACHE_ENTRIES = 4096;

/** Answer bytes scored per candidate: the start of an answer is what tells candidates apart. */
export const SCORED_ANSWER_BYTES = 96;

/**
 * Likelihood scoring with the model's training forward pass (public tfjs ops only, so it runs
 * unchanged on every backend): all candidates after the question — and, for answers not seen
 * before, after an empty question (their prior, then cached) — go through the model as one
 * right-padded batch, and the log-probabilities of the answer bytes are read back.
 */
export function createAnswerScorer(tf: Tf, config: ModelConfig, weights: Float32Array, tokenizer: ByteTokenizer): AnswerScorer {
  const model = createTransformer(tf, config);
  const flat = tf.tensor1d(weights);
  const params: Params = tf.tidy(() => {
    const v = model.views(flat);
    for (const t of Object.values(v)) tf.keep(t);
    return v;
  });
  flat.dispose();
  const C = config.contextLength;
  const END = tokenizer.endToken;
  const priors = createLruCache<string, number>({ maxEntries: PRIOR_CACHE_ENTRIES, maxBytes: Infinity });

  /** Σ log p(target bytes | prompt) per row, all rows in one right-padded batch. */
  function sumLogProbs(rows: Array<{ prompt: Uint8Array; target: Uint8Array }>): Float32Array {
    const T = Math.max(...rows.map((r) => r.prompt.length + r.target.length)) - 1;
    const B = rows.length;
    const ids = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    const weight = new Float32Array(B * T);
    rows.forEach((r, i) => {
      const seq = concat(r.prompt, r.target);
      for (let t = 0; t < seq.length - 1; t++) {
        ids[i * T + t] = seq[t]!;
        targets[i * T + t] = seq[t + 1]!;
        // Position t predicts byte t+1: count only predictions of target bytes.
        if (t + 1 >= r.prompt.length) weight[i * T + t] = 1;
      }
    });
    return sequenceLogProbs(tf, model, params, { ids, targets, weight, B, T });
  }

  return {
    score(question, answers) {
      if (answers.length === 0) return [];
      const q = tokenizer.encode(question.replace(/\s+/g, ' ').trim());
      const maxAnswer = Math.min(SCORED_ANSWER_BYTES, Math.floor(C / 2));
      const targets = answers.map((a) => tokenizer.encode(`${a.replace(/\s+/g, ' ').trim()}\n`).subarray(0, maxAnswer));
      const rows = targets.map((answer) => {
        // A long question keeps its end (where the asking usually is) so that prompt + answer fit.
        const room = C - answer.length - 8;
        const qFit = q.length > room ? q.subarray(q.length - room) : q;
        return { prompt: concat([END], tokenizer.encode('Q: '), qFit, tokenizer.encode('\nA: ')), target: answer };
      });
      // An answer's prior does not depend on the question: computed once per answer, then cached.
      const keys = targets.map((t) => Buffer.from(t).toString('latin1'));
      const missing = [...new Set(keys.filter((k) => priors.get(k) === undefined))];
      const prompt = concat([END], tokenizer.encode('Q: \nA: '));
      const sums = sumLogProbs([...rows, ...missing.map((k) => ({ prompt, target: targets[keys.indexOf(k)]! }))]);
      missing.forEach((k, i) => priors.set(k, sums[rows.length + i]!, k.length + 64));
      return targets.map((t, j) => ({ conditional: sums[j]!, prior: priors.get(keys[j]!)!, tokens: t.length }));
    },
    dispose() {
      tf.dispose(Object.values(params));
      model.dispose();
    },
  };
}

function concat(...parts: Array<ArrayLike<number>>): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
