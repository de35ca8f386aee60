import { describe, expect, it } from 'vitest';
import { rankAnswers, type AnswerCandidate } from './rankAnswers.ts';

const candidate = (doc: number, cosine: number, alignment: number, model: AnswerCandidate['model'] = null): AnswerCandidate => ({
  doc,
  passage: { datasetId: 'd', datasetName: 'D', location: `row ${doc + 1}`, text: `t${doc}` },
  bm25: 1,
  coverage: 0.5,
  cosine,
  alignment,
  model,
});

describe('rankAnswers', () => {
  const cal = { modelWeight: 0, minRetrieval: 1, confidenceModelWeight: 0.5, minConfidence: 1.2 };

  it('ranks by retrieval and gives the best candidate only when confident enough', () => {
    const r = rankAnswers([candidate(0, 0.4, 0.5), candidate(1, 0.6, 0.6)], cal);
    expect(r.ranked.map((c) => c.doc)).toEqual([1, 0]);
    expect(r.best?.doc).toBe(1);
    expect(r.confidence).toMatchObject({ model: null, threshold: 1 });
    expect(r.confidence.decided).toBeCloseTo(1.2);
    expect(rankAnswers([candidate(0, 0.4, 0.5)], cal).best).toBeNull();
    expect(rankAnswers([], cal)).toMatchObject({ best: null, ranked: [] });
  });

  it("with the model's scores, its PMI per byte moves the confidence across the threshold", () => {
    const sure = { conditional: -10, prior: -30, tokens: 20 }; // PMI 1 per byte
    const unsure = { conditional: -30, prior: -20, tokens: 20 }; // PMI −0.5 per byte
    expect(rankAnswers([candidate(0, 0.5, 0.5, sure)], cal).best?.doc).toBe(0); // 1 + 0.5 ≥ 1.2
    const refused = rankAnswers([candidate(0, 0.6, 0.6, unsure)], cal);
    expect(refused.best).toBeNull(); // 1.2 − 0.25 < 1.2, though retrieval alone would have answered
    expect(refused.confidence.model).toBeCloseTo(-0.5);
  });
});
