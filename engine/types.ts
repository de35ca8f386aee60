/** The tfjs namespace the engine computes with (one per thread; passed in, never imported as a global). */
export type Tf = typeof import('@tensorflow/tfjs');

/** Minimal structured logger (pino-compatible subset). */
export type EngineLogger = {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
};

/** A logger that drops everything, for callers that pass none. */
export const silentLogger: EngineLogger = { info() {}, warn() {}, debug() {} };
