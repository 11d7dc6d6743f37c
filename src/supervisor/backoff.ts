/** Restart policy of every supervised process: pure, so it is tested without waiting. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** Up this long and the next failure starts again from baseMs. */
  resetAfterMs: number;
  crashloopRestarts: number;
  crashloopWindowMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  baseMs: 1000,
  maxMs: 60_000,
  resetAfterMs: 60_000,
  crashloopRestarts: 5,
  crashloopWindowMs: 5 * 60_000,
};

/** HOSTCTL_BACKOFF_SCALE shrinks every interval (tests, demos); production leaves it unset. */
export function scaledBackoff(scale: number): BackoffPolicy {
  if (!(scale > 0) || scale === 1) return DEFAULT_BACKOFF;
  const s = (ms: number) => Math.max(1, Math.round(ms * scale));
  return {
    ...DEFAULT_BACKOFF,
    baseMs: s(1000),
    maxMs: s(60_000),
    resetAfterMs: s(60_000),
    crashloopWindowMs: s(5 * 60_000),
  };
}

export interface RestartHistory {
  /** Consecutive quick failures (reset by a long enough run). */
  failures: number;
  /** Start times (ms) of recent restarts. */
  restarts: number[];
}

export interface RestartDecision {
  delayMs: number;
  crashloop: boolean;
  history: RestartHistory;
}

/** Pure: what to do after a process exited at `now` having run for `uptimeMs`. */
export function nextRestart(
  history: RestartHistory,
  uptimeMs: number,
  now: number,
  policy: BackoffPolicy,
): RestartDecision {
  const failures = uptimeMs >= policy.resetAfterMs ? 1 : history.failures + 1;
  const restarts = [...history.restarts.filter((t) => now - t < policy.crashloopWindowMs), now];
  const crashloop = restarts.length > policy.crashloopRestarts;
  const base = Math.min(policy.maxMs, policy.baseMs * 2 ** (failures - 1));
  // A crash-looping process is still retried, at the slowest pace.
  const delayMs = crashloop ? policy.maxMs : base;
  return { delayMs, crashloop, history: { failures, restarts } };
}

// A process the OS refused to start never ran, so it is no crashloop: retried soon, so a
// Litestream respawn that hit a passing EMFILE ships again within seconds.
export function nextSpawnRetry(history: RestartHistory, policy: BackoffPolicy): RestartDecision {
  const failures = history.failures + 1;
  const delayMs = Math.min(policy.baseMs * 5, policy.baseMs * 2 ** (failures - 1));
  return { delayMs, crashloop: false, history: { ...history, failures } };
}

// Nothing runs yet, so there is no crashloop: 5× the process base, doubling to maxMs.
export function bootRetryDelay(failures: number, policy: BackoffPolicy): number {
  return Math.min(policy.maxMs, policy.baseMs * 5 * 2 ** Math.max(0, failures - 1));
}
