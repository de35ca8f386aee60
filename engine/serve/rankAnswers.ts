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
 * give. Chosen with `npm run eval:assistants` on engine/eval/sets (features of every candidate
 * dumped once, then each rule tried): the model's PMI did not improve the ranking (weight 0), but
 * added to retrieval's score it separates answerable from out-of-scope questions better than
 * retrieval alone — held-out by leaving one set out, abstention 75.6 % instead of 66.7 % at
 * 10.9 % instead of 9.8 % false abstention.
 */
export type AnswerCalibration = {
  /** Weight of the model's PMI per answer byte in the ranking score (retrieval's part is cosine + alignment, 0–2). */
  modelWeight: number;
  /** Without the model: the best candidate is given when its cosine + alignment reaches this. */
  minRetrieval: number;
  /** With the model: confidence = cosine + alignment + `confidenceModelWeight` × PMI per byte of the best candidate… */
  confidenceModelWeight: number;
  /** …and the best candidate is given when that confidence reaches this. */
  minConfidence: number;
};

export const defaultCalibration: AnswerCalibration = { modelWeight: 0, minRetrieval: 0.971, confidenceModelWeight: 0.5, minConfidence: 1.005 };

export type RankedAnswers = {
  /** The answer to give, or null to say "I don't know". */
  best: (AnswerCandidate & { combined: number }) | null;
  /** Candidates best first by the combined score. */
  ranked: Array<AnswerCandidate & { combined: number }>;
  /** For the best candidate: retrieval's score, the model's PMI per byte (null when not asked), and the one decided on. */
  confidence: { retrieval: number; model: number | null; decided: number; threshold: number };
};

/** The model's pointwise mutual information between question and answer, per answer byte. */
export const pmiPerByte = (c: AnswerCandidate) => (c.model && c.model.tokens > 0 ? (c.model.conditional - c.model.prior) / c.model.tokens : 0);

/** Retrieval's own score of a candidate: sentence-vector cosine plus word alignment (0–2). */
export const retrievalScore = (c: AnswerCandidate) => c.cosine + c.alignment;

/**
 * Ranks answer candidates by retrieval's score (plus the model's weighted PMI when it scored
 * them) and decides whether the best one is grounded: its confidence — retrieval's score, plus
 * the model's weighted PMI when the model was asked — reaches the calibrated threshold. Below it,
 * no answer.
 */
export function rankAnswers(candidates: AnswerCandidate[], calibration: AnswerCalibration = defaultCalibration): RankedAnswers {
  if (candidates.length === 0) return { best: null, ranked: [], confidence: { retrieval: 0, model: null, decided: 0, threshold: calibration.minRetrieval } };
  const ranked = candidates
    .map((c) => ({ ...c, combined: retrievalScore(c) + (c.model ? calibration.modelWeight * pmiPerByte(c) : 0) }))
    .sort((a, b) => b.combined - a.combined || b.bm25 - a.bm25 || a.doc - b.doc);
  const first = ranked[0]!;
  const retrieval = retrievalScore(first);
  const model = first.model ? pmiPerByte(first) : null;
  const decided = model === null ? retrieval : retrieval + calibration.confidenceModelWeight * model;
  const threshold = model === null ? calibration.minRetrieval : calibration.minConfidence;
  return { best: decided >= threshold ? first : null, ranked, confidence: { retrieval, model, decided, threshold } };
}
