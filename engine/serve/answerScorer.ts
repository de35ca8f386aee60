import type { ModelConfig } from '../model/config.ts';
import { sequenceLogProbs } from '../model/sequenceLogProbs.ts';
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
  /**
   * Σ log p of the question's bytes as a fine-tuning record begins ("Q: question"): how familiar the
   * model finds the question itself. Compared with the base model's, it says whether the question
   * is about what the fine-tune was about.
   */
  questionLikelihood(question: string): { logLikelihood: number; tokens: number };
  dispose(): void;
};

/** Answer bytes scored per candidate: the start of an answer is what tells candidates apart. */
export const SCORED_ANSWER_BYTES = 96;

/**
 * Likelihood scoring with the model's training forward pass (public tfjs ops only, so it runs
 * unchanged on every backend): all candidates, with and without the question, go through the
 * model as one right-padded batch, and the log-probabilities of the answer bytes are read back.
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
      const rows: Array<{ prompt: Uint8Array; target: Uint8Array }> = [];
      const maxAnswer = Math.min(SCORED_ANSWER_BYTES, Math.floor(C / 2));
      for (const a of answers) {
        const answer = tokenizer.encode(`${a.replace(/\s+/g, ' ').trim()}\n`).subarray(0, maxAnswer);
        // A long question keeps its end (where the asking usually is) so that prompt + answer fit.
        const room = C - answer.length - 8;
        const qFit = q.length > room ? q.subarray(q.length - room) : q;
        rows.push({ prompt: concat([END], tokenizer.encode('Q: '), qFit, tokenizer.encode('\nA: ')), target: answer });
        rows.push({ prompt: concat([END], tokenizer.encode('Q: \nA: ')), target: answer });
      }
      const sums = sumLogProbs(rows);
      return answers.map((_, j) => ({ conditional: sums[2 * j]!, prior: sums[2 * j + 1]!, tokens: rows[2 * j]!.target.length }));
    },
    questionLikelihood(question) {
      const q = tokenizer.encode(`${question.replace(/\s+/g, ' ').trim()}\n`);
      const target = q.subarray(Math.max(0, q.length - (C - 5)));
      return { logLikelihood: sumLogProbs([{ prompt: concat([END], tokenizer.encode('Q: ')), target }])[0]!, tokens: target.length };
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
