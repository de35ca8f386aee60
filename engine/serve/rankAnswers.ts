import type { Passage } from '../finetune/parseDatasets.ts';
import type { RetrievedPassage } from '../retrieval/createRetriever.ts';
import type { AnswerScore } from './answerScorer.ts';

/** A retrieved passage offered as an answer, with what retrieval and the model say about it. */
export type AnswerCandidate = RetrievedPassage & {
  /** The fine-tuned model's likelihood scores, when the model was asked. */
  model: AnswerScore | null;
};

/** The text a passage answers with: a Q&A record's answer, else the passage. */
export const answerTextOf = (p: Passage) => p.answer ?? p.text;

/**
 * How retrieval and the model's scores are combined and when an answer is confident enough to
 * give. Calibrated on the evaluation sets (`npm run eval:assistants`, engine/eval/).
 */
export type AnswerCalibration = {
  /** Weight of the model's PMI per answer byte in the ranking score (retrieval's part is cosine + alignment, 0–2). */
  modelWeight: number;
  /** Retrieval is confident when the best candidate's cosine + alignment reaches this. */
  minRetrieval: number;
  /** The model is confident when its PMI per byte for the best candidate reaches this (Infinity: never on its own). */
  minModelPmi: number;
};

export const defaultCalibration: AnswerCalibration = { modelWeight: 0, minRetrieval: 0.97, minModelPmi: Infinity };

export type RankedAnswers = {
  /** The answer to give, or null to say "I don't know". */
  best: (AnswerCandidate & { combined: number }) | null;
  /** Candidates best first by the combined score. */
  ranked: Array<AnswerCandidate & { combined: number }>;
  confidence: { retrieval: number; model: number | null };
};

/** The model's pointwise mutual information between question and answer, per answer byte. */
export const pmiPerByte = (c: AnswerCandidate) => (c.model && c.model.tokens > 0 ? (c.model.conditional - c.model.prior) / c.model.tokens : 0);

/** Retrieval's own score of a candidate: sentence-vector cosine plus word alignment (0–2). */
export const retrievalScore = (c: AnswerCandidate) => c.cosine + c.alignment;

/**
 * Ranks answer candidates by retrieval's score plus, when the model scored them, its weighted
 * PMI, and decides whether the best one is grounded: retrieval is confident, or the fine-tuned
 * model is. Neither → no answer.
 */
export function rankAnswers(candidates: AnswerCandidate[], calibration: AnswerCalibration = defaultCalibration): RankedAnswers {
  if (candidates.length === 0) return { best: null, ranked: [], confidence: { retrieval: 0, model: null } };
  const ranked = candidates
    .map((c) => ({ ...c, combined: retrievalScore(c) + (c.model ? calibration.modelWeight * pmiPerByte(c) : 0) }))
    .sort((a, b) => b.combined - a.combined || b.bm25 - a.bm25 || a.doc - b.doc);
  const first = ranked[0]!;
  const retrieval = retrievalScore(first);
  const model = first.model ? pmiPerByte(first) : null;
  const grounded = retrieval >= calibration.minRetrieval || (model !== null && model >= calibration.minModelPmi);
  return { best: grounded ? first : null, ranked, confidence: { retrieval, model } };
}
