import type { RetrievalHit } from '../retrieval/bm25Index.ts';

/** A source an answer cites, numbered as in the text ([1], [2], …). */
export type Citation = { index: number; datasetId: string; datasetName: string; location: string; snippet: string; score: number };

/** Chat messages as the bots and the API pass them. */
export type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

/** Formats the conversation the way fine-tuning data is formatted ("Q: …\nA: …"), newest last. */
export function formatPrompt(messages: ChatMessage[]): string[] {
  const turns: string[] = [];
  for (const m of messages) {
    if (m.role === 'user') turns.push(`Q: ${m.content.trim()}\nA:`);
    else if (m.role === 'assistant' && turns.length) turns[turns.length - 1] += ` ${m.content.trim()}\n`;
  }
  return turns;
}

const snippetOf = (text: string, max = 240) => {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
};

/** Longest passage an answer quotes from a dataset by default (characters). */
export const DEFAULT_MAX_QUOTE_CHARS = 240;

/**
 * Grounds a generated reply in the retrieved passages: when the best passage is a Q&A record its
 * answer leads (the tiny LM's text follows as a note), every passage used is cited as [n] with its
 * dataset and row/line, and a "Sources" list closes the answer. No passage is quoted beyond
 * `maxQuoteChars`: answers cite the data, they do not hand it out.
 */
export function composeAnswer(
  generated: string,
  hits: RetrievalHit[],
  options: { maxQuoteChars?: number | undefined } = {},
): { text: string; citations: Citation[] } {
  const max = Math.max(16, options.maxQuoteChars ?? DEFAULT_MAX_QUOTE_CHARS);
  const citations: Citation[] = hits.map((h, i) => ({
    index: i + 1,
    datasetId: h.passage.datasetId,
    datasetName: h.passage.datasetName,
    location: h.passage.location,
    snippet: snippetOf(h.passage.answer ?? h.passage.text, max),
    score: Math.round(h.score * 1000) / 1000,
  }));
  const model = generated.trim();
  const lines: string[] = [];
  const best = hits[0];
  if (best) {
    lines.push(`${snippetOf(best.passage.answer ?? best.passage.text, max)} [1]`);
    const lead = (best.passage.answer ?? best.passage.text).trim();
    // The model's own words are added only when they say something beyond the cited passage.
    if (model && !lead.includes(model) && !model.includes(lead)) lines.push('', `Model: ${model}`);
  } else {
    lines.push(model || 'I could not find anything about that in this assistant\'s data.');
  }
  if (citations.length) {
    lines.push('', 'Sources:');
    for (const c of citations) lines.push(`[${c.index}] ${c.datasetName}, ${c.location}: "${c.snippet}"`);
  }
  return { text: lines.join('\n'), citations };
}
