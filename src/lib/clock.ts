/** A timer the clock started: cancel() is safe to call twice and after it fired. */
export interface Timer {
  cancel(): void;
}

/** Unit tests pass a fake clock, so retries, backoff and rounds are tested without waiting. */
export interface Clock {
  now(): Date;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Runs `fn` once after `ms`. */
  setTimeout(fn: () => void, ms: number): Timer;
  /** Runs `fn` every `ms` until cancelled. */
  setInterval(fn: () => void, ms: number): Timer;
}

export const systemClock: Clock = {
  now: () => new Date(),
  // The abort listener goes when the timer fires: the lease heartbeat sleeps on one long-lived
  // signal and must not pile up a listener per round.
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(timer) };
  },
  setInterval: (fn, ms) => {
    const timer = setInterval(fn, ms);
    return { cancel: () => clearInterval(timer) };
  },
};
