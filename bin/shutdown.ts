import type { Logger } from '../platform/log.ts';

/** This process's clean stop: steps registered while starting, run once in reverse order. */
export type Shutdown = {
  /** Adds a step to the clean stop. Steps run in reverse order of registration (last started, first stopped). */
  defer(step: () => Promise<void> | void): void;
  /** Runs the clean stop (once; later calls share it). A failing step is logged and the others still run. */
  stop(): Promise<void>;
  /** True once a signal or a crash has started the stop; this process then exits when it is done. */
  readonly requested: boolean;
};

export type HandleShutdownOptions = {
  /** A repeated SIGINT/SIGTERM within this window is the same request (default 2000 ms). */
  repeatWindowMs?: number;
  /** After a crash, exit even if the clean stop hangs (default 30 s). */
  crashStopTimeoutMs?: number;
  /** How long the event loop stays free after the first signal before stopping starts (default 150 ms). */
  signalSettleMs?: number;
};

/**
 * Makes this process stop cleanly on SIGINT/SIGTERM (exit 0) and on a crash — an uncaught
 * exception or an unhandled rejection is logged as fatal, then the same clean stop runs, then
 * exit 1 — so that no service it started is left behind.
 *
 * Handlers are added next to existing ones, never replacing them: under tsx, tsx's own hidden
 * SIGINT/SIGTERM handler tells the tsx parent that the app handles the signal, and without it
 * tsx kills the app ≈ 60 ms after Ctrl-C. A terminal's Ctrl-C can reach this process twice
 * (directly, and relayed by npm or tsx), so a repeat within 2 s is ignored; a later one forces
 * exit 130.
 *
 * @example
 * const shutdown = handleShutdown(log);
 * const services = await startDevServices(config, log);
 * shutdown.defer(() => services.stop());
 */
export function handleShutdown(log: Logger, options: HandleShutdownOptions = {}): Shutdown {
  const { repeatWindowMs = 2000, crashStopTimeoutMs = 30_000, signalSettleMs = 150 } = options;
  const steps: Array<() => Promise<void> | void> = [];
  let stopping: Promise<void> | undefined;
  let stoppingSince = 0;
  let exitCode = 0;

  const stop = () => {
    stopping ??= (async () => {
      for (const step of steps.splice(0).reverse()) {
        try {
          await step();
        } catch (err) {
          exitCode = 1;
          log.error({ err }, 'error while stopping');
        }
      }
    })();
    return stopping;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppingSince) {
      if (Date.now() - stoppingSince < repeatWindowMs) return;
      log.warn({ signal }, 'forced exit');
      process.exit(130);
    }
    stoppingSince = Date.now();
    log.info({ signal }, 'stopping…');
    // tsx relays the signal to us when our (hidden, automatic) acknowledgement reached it before
    // it handled the signal itself, and SIGKILLs us unless the relayed one is acknowledged within
    // 30 ms. Stopping can keep the event loop busy for longer, so it waits until that has passed.
    setTimeout(() => {
      void stop().then(() => {
        if (exitCode === 0) log.info('stopped cleanly');
        process.exit(exitCode);
      });
    }, signalSettleMs);
  };

  const onCrash = (kind: string) => (err: unknown) => {
    log.fatal({ err }, kind);
    exitCode = 1;
    // A crash while stopping: the stop under way finishes and exits 1.
    if (stoppingSince) return;
    stoppingSince = Date.now();
    setTimeout(() => {
      log.error(`the clean stop did not finish within ${Math.round(crashStopTimeoutMs / 1000)} s; exiting`);
      process.exit(1);
    }, crashStopTimeoutMs).unref();
    void stop().then(() => process.exit(1));
  };

  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('uncaughtException', onCrash('uncaught exception'));
  process.on('unhandledRejection', onCrash('unhandled promise rejection'));

  return {
    defer: (step) => void steps.push(step),
    stop,
    get requested() {
      return stoppingSince > 0;
    },
  };
}
