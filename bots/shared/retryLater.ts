import type { Logger } from '../../platform/log.ts';

export type RetryLater = {
  /** Whether the last attempt succeeded. */
  readonly ok: boolean;
  /** The last failure, for status reports. */
  readonly lastError: string | undefined;
  /** Settles after the first attempt, whether it worked or not (never rejects). */
  readonly firstAttempt: Promise<void>;
  /** Stops retrying (on shutdown). */
  stop(): void;
};

/**
 * Runs `fn` now and, while it fails, again later with a growing delay (2 s up to 5 min):
 * for calls a chat platform may refuse at start without the bot having to stop serving
 * (its command menu, its webhook). Failures are logged, never thrown.
 */
export function retryLater(what: string, fn: () => Promise<void>, log: Logger, options: { firstDelayMs?: number; maxDelayMs?: number } = {}): RetryLater {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const state = { ok: false, lastError: undefined as string | undefined };
  const attempt = async (delay: number) => {
    if (stopped) return;
    try {
      await fn();
      state.ok = true;
      state.lastError = undefined;
    } catch (err) {
      state.lastError = (err as Error)?.message ?? String(err);
      const next = Math.min(delay * 2, options.maxDelayMs ?? 300_000);
      log.warn({ err, what, retryInMs: delay }, `${what} failed; retrying later`);
      if (stopped) return;
      timer = setTimeout(() => void attempt(next), delay);
      timer.unref();
    }
  };
  const firstAttempt = attempt(options.firstDelayMs ?? 2000);
  return {
    firstAttempt,
    get ok() {
      return state.ok;
    },
    get lastError() {
      return state.lastError;
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
