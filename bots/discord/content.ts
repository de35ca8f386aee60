/** Discord refuses message content over 2000 characters (error 50035). */
export const DISCORD_MAX_CONTENT = 2000;

/** Cuts text to what Discord accepts, marking the cut with an ellipsis. */
export function fitContent(text: string): string {
  if (text.length <= DISCORD_MAX_CONTENT) return text;
  let end = DISCORD_MAX_CONTENT - 1;
  // Never split an emoji's surrogate pair.
  if (/[\uD800-\uDBFF]/.test(text[end - 1]!)) end -= 1;
  return `${text.slice(0, end)}…`;
}
