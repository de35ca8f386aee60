import { fitText } from '../../platform/chat/reply.ts';

/** Discord refuses message content over 2000 characters (error 50035). */
export const DISCORD_MAX_CONTENT = 2000;

/** Cuts text to what Discord accepts, marking the cut with an ellipsis. */
export const fitContent = (text: string): string => fitText(text, DISCORD_MAX_CONTENT);
