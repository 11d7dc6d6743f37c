/** A timer the clock started: cancel() is safe to call twice and after it fired. */
export interface Timer {
  cancel(): void;
}

/**
 * Time for the supervisor and its loops (drills, lease, media, polling): the real one in production, a fake
 * one in unit tests (test/helpers/fake-clock.ts), so retries, backoff and rounds are tested without waiting.
 */
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
  // Resolves early when the signal aborts. The abort listener is removed when the timer fires: a loop that
  // sleeps on one long-lived signal (the lease heartbeat) must not pile up a listener per round.
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
