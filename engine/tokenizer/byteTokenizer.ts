/**
 * Byte-level tokenizer: a token is one UTF-8 byte, so any text round-trips and no vocabulary has to
 * be trained. Byte 0 (NUL, never valid in the text we accept) marks the end of a document.
 */
export type ByteTokenizer = {
  readonly kind: 'bytes-v1';
  readonly vocabSize: 256;
  readonly endToken: 0;
  encode(text: string): Uint8Array;
  decode(tokens: ArrayLike<number>): string;
};

/** Creates the byte tokenizer (stateless; one per engine is plenty). */
export function createByteTokenizer(): ByteTokenizer {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder('utf-8', { fatal: false });
  return {
    kind: 'bytes-v1',
    vocabSize: 256,
    endToken: 0,
    encode(text) {
      // NUL is reserved for end-of-text; strip it from user text.
      return encoder.encode(text.includes('\0') ? text.replaceAll('\0', '') : text);
    },
    decode(tokens) {
      const bytes = Uint8Array.from(Array.from(tokens as ArrayLike<number>), (t) => t & 0xff).filter((b) => b !== 0);
      return decoder.decode(bytes);
    },
  };
}
