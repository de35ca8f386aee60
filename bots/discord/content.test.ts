import { describe, expect, it } from 'vitest';
import { fitContent } from './content.ts';

describe('fitContent', () => {
  it('keeps text within 2000 characters without splitting an emoji', () => {
    expect(fitContent('ok')).toBe('ok');
    const cut = fitContent('🧾'.repeat(1200));
    expect(cut.length).toBeLessThanOrEqual(2000);
    expect(cut.endsWith('🧾…')).toBe(true);
  });
});
