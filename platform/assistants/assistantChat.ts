/** A source an answer cites. */
export type AnswerCitation = { index: number; datasetName: string; location: string; snippet: string };

/**
 * The port through which bots and the REST API talk to assistants: the engine's `chat` in a
 * process that serves models, or a remote engine. Transport-free.
 */
export type AssistantChat = (
  assistantId: string,
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>,
  options?: { maxQuoteChars?: number | undefined },
) => Promise<{ text: string; citations?: AnswerCitation[]; usage?: { promptTokens: number; completionTokens: number } }>;
