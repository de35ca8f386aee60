import { describe, expect, it } from 'vitest';
import { initialWeights, modelPresets } from '../model/config.ts';
import { wasmTf } from '../testing/fixtures.ts';
import { createByteTokenizer } from '../tokenizer/byteTokenizer.ts';
import { createAnswerScorer } from './answerScorer.ts';

describe('createAnswerScorer', async () => {
  const tf = await wasmTf();
  const config = modelPresets.test;
  const weights = initialWeights(config, 5);

  it('gives each answer the same prior whether it was cached or computed in this batch', () => {
    const warm = createAnswerScorer(tf, config, weights, createByteTokenizer());
    const cold = createAnswerScorer(tf, config, weights, createByteTokenizer());
    try {
      warm.score('first question?', ['Refunds take 5 days.', 'We ship abroad.']);
      const cached = warm.score('other question?', ['We ship abroad.', 'Two year warranty.']);
      const fresh = cold.score('other question?', ['We ship abroad.', 'Two year warranty.']);
      expect(cached.map((c) => c.prior)).toEqual(fresh.map((c) => expect.closeTo(c.prior, 4)));
      expect(cached.map((c) => c.conditional)).toEqual(fresh.map((c) => expect.closeTo(c.conditional, 4)));
      // The question changes the conditional, never the prior.
      expect(cached[0]!.conditional).not.toBe(cached[0]!.prior);
      expect(cached[0]!.tokens).toBe('We ship abroad.\n'.length);
    } finally {
      warm.dispose();
      cold.dispose();
    }
  });
});
