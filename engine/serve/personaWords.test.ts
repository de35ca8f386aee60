import { describe, expect, it } from 'vitest';
import { DEFAULT_DONT_KNOW, dontKnowLine } from './personaWords.ts';

describe('dontKnowLine', () => {
  it('uses the phrase a persona quotes for questions it cannot answer', () => {
    expect(dontKnowLine('You are Inkwell support. Be brief. When the help center has no answer, say "I\'m not sure about that — please write to support@inkwell.example."')).toBe(
      "I'm not sure about that — please write to support@inkwell.example.",
    );
  });

  it('turns the instruction into the first person', () => {
    expect(dontKnowLine('You are the help desk of a bike shop. Answer from the FAQ only. If the FAQ does not cover it, say you do not know.')).toBe('I do not know.');
    expect(dontKnowLine("Be warm. If the guest guide does not say, tell the guest you don't know and that the front desk can help.")).toBe(
      "I don't know and the front desk can help.",
    );
  });

  it('falls back to a plain sentence when the persona says nothing about it', () => {
    expect(dontKnowLine('You are a cheerful pirate who loves bikes.')).toBe(DEFAULT_DONT_KNOW);
    expect(dontKnowLine(undefined)).toBe(DEFAULT_DONT_KNOW);
    // A quote that is not about not knowing is not taken for it.
    expect(dontKnowLine('Always greet people and say "Ahoy!" first.')).toBe(DEFAULT_DONT_KNOW);
  });
});
