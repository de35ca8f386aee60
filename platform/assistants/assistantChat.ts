/** A source an answer cites: the dataset, the row or line, and the passage quoted. */
export type AnswerCitation = { index: number; datasetName: string; location: string; snippet: string };

/**
 * The port through which bots and the REST API talk to assistants: the engine's `chat` in a
 * process that serves models, or a remote engine. Transport-free.
 */
export type AssistantChat = (
  assistantId: string,
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>,
  options?: { maxQuoteChars?: number | undefined },
) => Promise<{
  text: string;
  /** True when the answer rests on the assistant's data (and cites it); false when it says it does not know. */
  grounded: boolean;
  citations: AnswerCitation[];
}>;
