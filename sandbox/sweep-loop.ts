// The sandbox's sweep: a pass every few seconds, and one on demand after the clock moves, never
// two at once. A deployment runs the sweep on its own schedule; the sandbox wants it at once, so
// a person sees a reminder or an expiry the moment time passes it.
export interface SweepLoop {
  /** Runs one pass after any pass under way; resolves when it is done. */
  pass(): Promise<void>;
  /** Stops the timer and waits for the pass under way. */
  stop(): Promise<void>;
}

export function startSweepLoop(sweep: () => Promise<unknown>, everyMs: number, onError: (error: unknown) => void): SweepLoop {
  let last: Promise<void> = Promise.resolve();
  const pass = () => {
    last = last.then(() => sweep()).then(
      () => undefined,
      (error: unknown) => onError(error),
    );
    return last;
  };
  const timer = setInterval(() => void pass(), everyMs);
  timer.unref();
  return {
    pass,
    async stop() {
      clearInterval(timer);
      await last;
    },
  };
}
