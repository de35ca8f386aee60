import type { Logger } from '../log.ts';
import type { ChatOutbox, ChatTarget } from './types.ts';

/**
 * Edits a progress message, at most once per `intervalMs` (chat APIs rate-limit edits) and
 * never with the same text twice. Progress is best effort: a failed edit is logged, never fatal.
 */
export function createProgressEditor(deps: { outbox: ChatOutbox; log: Logger }, target: ChatTarget, intervalMs = 700) {
  let last = '';
  let lastAt = 0;
  return async (text: string, force = false) => {
    if (!target.messageId || text === last) return;
    const now = Date.now();
    if (!force && now - lastAt < intervalMs) return;
    last = text;
    lastAt = now;
    try {
      await deps.outbox.edit({ ...target, messageId: target.messageId }, { text });
    } catch (err) {
      deps.log.debug({ err: (err as Error).message }, 'progress edit failed');
    }
  };
}
