import { describe, expect, it } from 'vitest';
import { progressLine } from './progressLine.ts';

describe('progressLine', () => {
  it('draws the bar, the percentage and the rates', () => {
    const line = progressLine({ step: 600, totalSteps: 1200, epoch: 3, tokensPerSec: 4100.4, etaSec: 125 }, 1.23456, 10);
    expect(line).toBe('[█████░░░░░]  50% step 600/1200 epoch 3 loss 1.235 4,100 tok/s eta 2m05s');
    expect(progressLine({ step: 0, totalSteps: 0, epoch: 0, tokensPerSec: 0, etaSec: Infinity }, 5, 4)).toContain('[░░░░]   0%');
  });
});
