import { dontKnowLine } from './personaWords.ts';
import { answerTextOf, type RankedAnswers } from './rankAnswers.ts';

/** A source an answer cites, numbered as in the text ([1], [2], …). */
export type Citation = {
  index: number;
  datasetId: string;
  datasetName: string;
  /** "row 12" (CSV, 1-based data rows) or "line 7" (JSONL, TXT, MD). */
  location: string;
  /** The passage quoted (at most `maxQuoteChars`). */
  snippet: string;
  /** The answer's combined retrieval and model score. */
  score: number;
};

/** Chat messages as the bots and the API pass them. */
export type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

const snippetOf = (text: string, max: number) => {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
};

/** Longest passage an answer quotes from a dataset by default (characters). */
export const DEFAULT_MAX_QUOTE_CHARS = 240;

export type ComposedAnswer = { text: string; citations: Citation[]; grounded: boolean };

/**
 * Writes the reply: a grounded answer quotes the passage it rests on, marked [1], and closes
 * with its source (dataset, row or line); no confident answer → the persona's "I don't know"
 * and no citation. No passage is quoted beyond `maxQuoteChars`: answers cite the data, they do
 * not hand it out.
 */
export function composeAnswer(ranked: RankedAnswers, options: { persona?: string | undefined; maxQuoteChars?: number | undefined } = {}): ComposedAnswer {
  const max = Math.max(16, options.maxQuoteChars ?? DEFAULT_MAX_QUOTE_CHARS);
  const best = ranked.best;
  if (!best) return { text: dontKnowLine(options.persona), citations: [], grounded: false };
  const quote = snippetOf(answerTextOf(best.passage), max);
  const citation: Citation = {
    index: 1,
    datasetId: best.passage.datasetId,
    datasetName: best.passage.datasetName,
    location: best.passage.location,
    snippet: quote,
    score: Math.round(ranked.ranked[0]!.combined * 1000) / 1000,
  };
  const text = [`${quote} [1]`, '', 'Source:', `[1] ${citation.datasetName}, ${citation.location}`].join('\n');
  return { text, citations: [citation], grounded: true };
}

/** The persona: the conversation's system messages, joined. */
export function personaOf(messages: ChatMessage[]): string | undefined {
  const system = messages.filter((m) => m.role === 'system' && m.content.trim()).map((m) => m.content.trim());
  return system.length ? system.join('\n') : undefined;
}
